#include "config/blocks.h"

#include <algorithm>
#include <cctype>

#include "base/log.h"

namespace coffer::config::internal {
namespace {

std::string Quoted(std::string_view kind, std::string_view label) {
  return std::string(kind) + " \"" + std::string(label) + "\"";
}

// ---- listener ----

void ReadListenerTls(Section& s, Listener* l) {
  s.Bool("tls_disable", &l->tls_disable);
  s.String("tls_cert_file", &l->tls_cert_file);
  s.String("tls_key_file", &l->tls_key_file);
  s.String("tls_client_ca_file", &l->tls_client_ca_file);
  s.String("tls_min_version", &l->tls_min_version);
  if (s.ok()) s.Check("tls_min_version", CheckTlsVersion(l->tls_min_version));
  s.String("tls_max_version", &l->tls_max_version);
  if (s.ok()) s.Check("tls_max_version", CheckTlsVersion(l->tls_max_version));
  s.StringList("tls_cipher_suites", &l->tls_cipher_suites);
  bool ignored = false;  // deprecated in Vault too: accepted, has no effect
  s.Bool("tls_prefer_server_cipher_suites", &ignored);
  s.Bool("tls_require_and_verify_client_cert", &l->tls_require_and_verify_client_cert);
  s.Bool("tls_disable_client_certs", &l->tls_disable_client_certs);
}

void ReadListenerHttp(Section& s, Listener* l) {
  s.Int("max_request_size", &l->max_request_size);
  if (l->max_request_size == 0) l->max_request_size = Listener().max_request_size;
  s.Duration("max_request_duration", &l->max_request_duration);
  s.Duration("http_idle_timeout", &l->http_idle_timeout);
  s.Duration("http_read_header_timeout", &l->http_read_header_timeout);
  s.Duration("http_read_timeout", &l->http_read_timeout);
  s.Duration("http_write_timeout", &l->http_write_timeout);
  s.StringList("x_forwarded_for_authorized_addrs", &l->x_forwarded_for_authorized_addrs);
  s.Int("x_forwarded_for_hop_skips", &l->x_forwarded_for_hop_skips);
  if (s.ok() && l->x_forwarded_for_hop_skips < 0) {
    s.Fail(s.KeyError("x_forwarded_for_hop_skips", "must not be negative"));
  }
  s.Bool("x_forwarded_for_reject_not_authorized", &l->x_forwarded_for_reject_not_authorized);
  s.Bool("x_forwarded_for_reject_not_present", &l->x_forwarded_for_reject_not_present);
  s.String("proxy_protocol_behavior", &l->proxy_protocol_behavior);
  if (s.ok())
    s.Check("proxy_protocol_behavior", CheckProxyProtocolBehavior(l->proxy_protocol_behavior));
  s.StringList("proxy_protocol_authorized_addrs", &l->proxy_protocol_authorized_addrs);
  s.Bool("redact_addresses", &l->redact_addresses);
  s.Bool("redact_cluster_name", &l->redact_cluster_name);
  s.Bool("redact_version", &l->redact_version);
}

// A nested `name { key = bool }` block holding a single flag.
Status ReadFlagBlock(Section& s, std::string_view name, std::string_view key, bool* out) {
  CONFIG_ASSIGN_OR_RETURN(std::optional<Block> b, SingleBlock(s, name));
  if (!b) return Status::Ok();
  Section sub(s.file(), *b->body, b->pointer, s.SubContext(name));
  sub.Bool(key, out);
  return sub.Finish();
}

Status ReadCustomResponseHeaders(Section& s, Listener* l) {
  CONFIG_ASSIGN_OR_RETURN(std::vector<Block> blocks, UnlabeledBlocks(s, "custom_response_headers"));
  Json merged = Json::object();
  for (const Block& b : blocks) {
    for (const auto& [status, headers] : b.body->items()) {
      if (!headers.is_object() && !headers.is_array()) {
        return InvalidArgument(s.file().Location(hcl::JoinPointer(b.pointer, status)) + ": " +
                               s.SubContext("custom_response_headers") + ": " + status +
                               ": expected a map of header names to lists of values");
      }
      merged[status] = headers;
    }
  }
  l->custom_response_headers = std::move(merged);
  return Status::Ok();
}

// ---- storage ----

// Keys of the storage types config knows; other types are checked by their backend.
const std::vector<std::string_view>* KnownStorageKeys(std::string_view type) {
  static const std::vector<std::string_view> kRaft = {"path",
                                                      "node_id",
                                                      "performance_multiplier",
                                                      "trailing_logs",
                                                      "snapshot_threshold",
                                                      "snapshot_interval",
                                                      "retry_join",
                                                      "max_entry_size",
                                                      "autopilot_reconcile_interval",
                                                      "autopilot_update_interval",
                                                      "autopilot_redundancy_zone",
                                                      "autopilot_upgrade_version",
                                                      "max_mount_and_namespace_table_entry_size"};
  static const std::vector<std::string_view> kPathOnly = {"path"};
  if (type == "raft") return &kRaft;
  if (type == "file" || type == "inmem") return &kPathOnly;
  return nullptr;
}

// retry_join { leader_api_addr = ... } blocks of raft storage; returns them as an array.
Result<Json> ReadRetryJoin(Section& s) {
  COFFER_ASSIGN_OR_RETURN(std::vector<Block> blocks, UnlabeledBlocks(s, "retry_join"));
  Json out = Json::array();
  for (const Block& b : blocks) {
    Section r(s.file(), *b.body, b.pointer, s.SubContext("retry_join"));
    std::string leader, auto_join, ignored;
    r.String("leader_api_addr", &leader);
    r.String("auto_join", &auto_join);
    for (const char* key : {"auto_join_scheme", "leader_tls_servername", "leader_ca_cert_file",
                            "leader_client_cert_file", "leader_client_key_file", "leader_ca_cert",
                            "leader_client_cert", "leader_client_key"}) {
      r.String(key, &ignored);
    }
    int64_t port = 0;
    r.Int("auto_join_port", &port);
    if (r.ok() && leader.empty() == auto_join.empty()) {
      r.Fail(r.Error(leader.empty() ? "needs leader_api_addr or auto_join"
                                    : "leader_api_addr and auto_join are mutually exclusive"));
    }
    COFFER_RETURN_IF_ERROR(r.Finish());
    out.push_back(*b.body);
  }
  return out;
}

void CheckRaftValues(Section& s) {
  for (const char* key : {"performance_multiplier", "trailing_logs", "snapshot_threshold",
                          "max_entry_size", "max_mount_and_namespace_table_entry_size"}) {
    int64_t n = 0;
    s.Int(key, &n);
    if (!s.ok()) return;
    if (n < 0) return s.Fail(s.KeyError(key, "must not be negative"));
    if (std::string_view(key) == "performance_multiplier" && n > 10) {
      return s.Fail(s.KeyError(key, "must be at most 10"));
    }
  }
  std::chrono::seconds d{0};
  for (const char* key :
       {"snapshot_interval", "autopilot_reconcile_interval", "autopilot_update_interval"}) {
    s.Duration(key, &d);
  }
}

std::string OptionString(const Json& v) {
  return v.is_string() ? v.get<std::string>()
                       : v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

Status ParseListener(const SourceFile& file, const Block& block, Listener* out) {
  Section s(file, *block.body, block.pointer, Quoted("listener", block.label));
  if (block.label != "tcp") return s.Error("unsupported listener type (supported: \"tcp\")");
  *out = Listener();
  out->type = block.label;
  out->source = s.Location();
  s.String("address", &out->address);
  s.String("cluster_address", &out->cluster_address);
  ReadListenerTls(s, out);
  ReadListenerHttp(s, out);
  if (!s.ok()) return s.Finish();  // value errors first, then nested blocks
  CONFIG_RETURN_IF_ERROR(ReadFlagBlock(s, "telemetry", "unauthenticated_metrics_access",
                                       &out->unauthenticated_metrics_access));
  CONFIG_RETURN_IF_ERROR(ReadFlagBlock(s, "profiling", "unauthenticated_pprof_access",
                                       &out->unauthenticated_pprof_access));
  CONFIG_RETURN_IF_ERROR(ReadFlagBlock(s, "inflight_requests_logging",
                                       "unauthenticated_in_flight_requests_access",
                                       &out->unauthenticated_in_flight_requests_access));
  CONFIG_RETURN_IF_ERROR(ReadCustomResponseHeaders(s, out));
  return s.Finish();
}

Status ParseStorage(const SourceFile& file, const Block& block, std::string_view kind,
                    Storage* out) {
  Section s(file, *block.body, block.pointer, Quoted(kind, block.label));
  *out = Storage();
  out->type = block.label;
  out->source = s.Location();
  out->raw = *block.body;
  const std::vector<std::string_view>* known = KnownStorageKeys(block.label);
  if (block.label == "raft") {
    CONFIG_ASSIGN_OR_RETURN(Json joins, ReadRetryJoin(s));
    if (!joins.empty()) out->raw["retry_join"] = std::move(joins);
    CheckRaftValues(s);
  }
  for (const auto& [key, value] : out->raw.items()) out->options[key] = OptionString(value);
  if (known == nullptr) return Status::Ok();
  for (std::string_view key : *known) s.Take(key);
  return s.Finish();
}

Status ParseSeal(const SourceFile& file, const Block& block, Seal* out) {
  Section s(file, *block.body, block.pointer, Quoted("seal", block.label));
  *out = Seal();
  out->type = block.label;
  out->source = s.Location();
  s.Bool("disabled", &out->disabled);
  out->options = *block.body;
  out->options.erase("disabled");
  for (const auto& [key, value] : block.body->items()) s.Take(key);
  return s.Finish();
}

Status ParseServiceRegistration(const SourceFile& file, const Block& block,
                                ServiceRegistration* out) {
  Section s(file, *block.body, block.pointer, Quoted("service_registration", block.label));
  out->type = block.label;
  out->options = *block.body;
  out->source = s.Location();
  return Status::Ok();
}

Status ParseTelemetry(const SourceFile& file, const Block& block, Telemetry* out) {
  Section s(file, *block.body, block.pointer, "telemetry");
  *out = Telemetry();
  out->present = true;
  out->prometheus_retention_time = std::chrono::hours(24);
  out->raw = *block.body;
  out->source = s.Location();
  s.Duration("prometheus_retention_time", &out->prometheus_retention_time);
  s.Bool("disable_hostname", &out->disable_hostname);
  s.Bool("enable_hostname_label", &out->enable_hostname_label);
  s.String("statsd_address", &out->statsd_address);
  s.String("statsite_address", &out->statsite_address);
  s.String("dogstatsd_addr", &out->dogstatsd_addr);
  s.StringList("dogstatsd_tags", &out->dogstatsd_tags);
  auto gauge = block.body->find("usage_gauge_period");
  if (gauge != block.body->end() && gauge->is_string() && gauge->get<std::string>() == "none") {
    s.Take("usage_gauge_period");
    out->usage_gauge_period = std::chrono::seconds(0);
  } else {
    s.Duration("usage_gauge_period", &out->usage_gauge_period);
  }
  s.Int("maximum_gauge_cardinality", &out->maximum_gauge_cardinality);
  s.String("metrics_prefix", &out->metrics_prefix);
  s.Duration("lease_metrics_epsilon", &out->lease_metrics_epsilon);
  s.Int("num_lease_metrics_buckets", &out->num_lease_metrics_buckets);
  s.Bool("add_lease_metrics_namespace_labels", &out->add_lease_metrics_namespace_labels);
  s.Bool("add_mount_point_rollback_metrics", &out->add_mount_point_rollback_metrics);
  s.Bool("filter_default", &out->filter_default);
  s.StringList("prefix_filter", &out->prefix_filter);
  s.AcceptPrefix("circonus_");
  s.AcceptPrefix("stackdriver_");
  return s.Finish();
}

int TlsVersionRank(std::string_view v) {
  static const std::string_view kVersions[] = {"tls10", "tls11", "tls12", "tls13"};
  for (int i = 0; i < 4; ++i) {
    if (v == kVersions[i]) return i;
  }
  return -1;
}

std::optional<std::string> CheckTlsVersion(std::string_view v) {
  if (TlsVersionRank(v) >= 0) return std::nullopt;
  return "\"" + std::string(v) + "\" is not one of tls10, tls11, tls12, tls13";
}

std::optional<std::string> CheckLogLevel(std::string_view v) {
  log::Level level;
  if (log::ParseLevel(v, &level)) return std::nullopt;
  return "\"" + std::string(v) + "\" is not one of trace, debug, info, warn, error";
}

std::optional<std::string> CheckLogFormat(std::string_view v) {
  if (v == "standard" || v == "json") return std::nullopt;
  return "\"" + std::string(v) + "\" is not one of standard, json";
}

std::optional<std::string> CheckProxyProtocolBehavior(std::string_view v) {
  if (v.empty() || v == "use_always" || v == "allow_authorized" || v == "deny_unauthorized") {
    return std::nullopt;
  }
  return "\"" + std::string(v) + "\" is not one of use_always, allow_authorized, deny_unauthorized";
}

}  // namespace coffer::config::internal
