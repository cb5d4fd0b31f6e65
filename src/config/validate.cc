// Validate: checks across keys and blocks. Messages start with the block's "file:line"
// when one is known.

#include <exception>

#include "base/duration.h"
#include "config/blocks.h"
#include "config/config.h"

namespace coffer::config {
namespace {

Status At(const std::string& source, const std::string& context, const std::string& msg) {
  std::string out = source.empty() ? "" : source + ": ";
  if (!context.empty()) out += context + ": ";
  return InvalidArgument(out + msg);
}

bool IsUrl(const std::string& s) {
  size_t scheme_end = s.find("://");
  return scheme_end != std::string::npos && scheme_end > 0 && s.size() > scheme_end + 3;
}

Status ValidateListener(const Listener& l) {
  std::string ctx = "listener \"" + l.type + "\"";
  if (l.type != "tcp") return At(l.source, ctx, "unsupported listener type (supported: \"tcp\")");
  if (l.address.empty()) return At(l.source, ctx, "address must not be empty");
  if (!l.tls_disable) {
    if (l.tls_cert_file.empty()) {
      return At(l.source, ctx, "tls_cert_file is required unless tls_disable = true");
    }
    if (l.tls_key_file.empty()) {
      return At(l.source, ctx, "tls_key_file is required unless tls_disable = true");
    }
  }
  for (const auto& [key, value] : {std::pair{"tls_min_version", &l.tls_min_version},
                                   std::pair{"tls_max_version", &l.tls_max_version}}) {
    if (auto bad = internal::CheckTlsVersion(*value)) return At(l.source, ctx, key + (": " + *bad));
  }
  if (internal::TlsVersionRank(l.tls_min_version) > internal::TlsVersionRank(l.tls_max_version)) {
    return At(l.source, ctx,
              "tls_min_version \"" + l.tls_min_version + "\" is above tls_max_version \"" +
                  l.tls_max_version + "\"");
  }
  if (l.tls_require_and_verify_client_cert && l.tls_disable_client_certs) {
    return At(l.source, ctx,
              "tls_require_and_verify_client_cert and tls_disable_client_certs are mutually "
              "exclusive");
  }
  if (auto bad = internal::CheckProxyProtocolBehavior(l.proxy_protocol_behavior)) {
    return At(l.source, ctx, "proxy_protocol_behavior: " + *bad);
  }
  bool needs_addrs = l.proxy_protocol_behavior == "allow_authorized" ||
                     l.proxy_protocol_behavior == "deny_unauthorized";
  if (needs_addrs && l.proxy_protocol_authorized_addrs.empty()) {
    return At(l.source, ctx,
              "proxy_protocol_authorized_addrs is required with proxy_protocol_behavior \"" +
                  l.proxy_protocol_behavior + "\"");
  }
  if (l.x_forwarded_for_hop_skips < 0) {
    return At(l.source, ctx, "x_forwarded_for_hop_skips must not be negative");
  }
  return Status::Ok();
}

Status ValidateStorage(const ServerConfig& c) {
  if (!c.storage) {
    return InvalidArgument(
        "no storage configured: add a storage stanza, like storage \"raft\" { ... }");
  }
  if (c.storage->type.empty()) return At(c.storage->source, "storage", "type must not be empty");
  if (c.ha_storage && c.ha_storage->type.empty()) {
    return At(c.ha_storage->source, "ha_storage", "type must not be empty");
  }
  bool raft = c.storage->type == "raft";
  bool ha_raft = c.ha_storage && c.ha_storage->type == "raft";
  if ((raft || ha_raft) && c.cluster_addr.empty()) {
    return InvalidArgument(
        "cluster_addr is required with raft storage (set it or VAULT_CLUSTER_ADDR)");
  }
  if (!raft) return Status::Ok();
  if (c.ha_storage) {
    return At(c.ha_storage->source, "ha_storage",
              "not allowed with storage \"raft\" (raft provides HA itself)");
  }
  if (c.disable_clustering) {
    return InvalidArgument("disable_clustering cannot be true with storage \"raft\"");
  }
  return Status::Ok();
}

Status ValidateSeals(const ServerConfig& c) {
  int enabled = 0;
  for (const Seal& s : c.seals) {
    if (s.type.empty()) return At(s.source, "seal", "type must not be empty");
    if (!s.disabled) ++enabled;
  }
  if (enabled > 1 || c.seals.size() > 2) {
    return At(c.seals.back().source, "seal \"" + c.seals.back().type + "\"",
              "only one enabled seal is allowed (plus one with disabled = true while "
              "migrating)");
  }
  return Status::Ok();
}

Status ValidateTopLevel(const ServerConfig& c) {
  if (c.default_lease_ttl > c.max_lease_ttl) {
    return InvalidArgument("default_lease_ttl (" + FormatDuration(c.default_lease_ttl) +
                           ") must not exceed max_lease_ttl (" + FormatDuration(c.max_lease_ttl) +
                           ")");
  }
  if (auto bad = internal::CheckLogLevel(c.log_level)) return InvalidArgument("log_level: " + *bad);
  if (auto bad = internal::CheckLogFormat(c.log_format)) {
    return InvalidArgument("log_format: " + *bad);
  }
  if (!c.api_addr.empty() && !IsUrl(c.api_addr)) {
    return InvalidArgument("api_addr: \"" + c.api_addr +
                           "\" must be a full URL, like https://10.0.0.5:8200");
  }
  if (!c.cluster_addr.empty() && !IsUrl(c.cluster_addr)) {
    return InvalidArgument("cluster_addr: \"" + c.cluster_addr +
                           "\" must be a full URL, like https://10.0.0.5:8201");
  }
  return Status::Ok();
}

Status ValidateAll(const ServerConfig& c) {
  Status st = ValidateStorage(c);
  if (!st.ok()) return st;
  if (c.listeners.empty()) {
    return InvalidArgument("no listener configured: add a listener \"tcp\" { ... } stanza");
  }
  for (const Listener& l : c.listeners) {
    st = ValidateListener(l);
    if (!st.ok()) return st;
  }
  st = ValidateSeals(c);
  if (!st.ok()) return st;
  return ValidateTopLevel(c);
}

}  // namespace

Status Validate(const ServerConfig& config) {
  try {
    return ValidateAll(config);
  } catch (const std::exception& e) {
    return Internal(std::string("validating configuration: ") + e.what());
  }
}

}  // namespace coffer::config
