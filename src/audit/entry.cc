#include "audit/entry.h"

#include <time.h>

#include <cstdio>

#include "audit/format.h"

namespace coffer::audit::internal {
namespace {

using core::AuditInput;

void SetString(Json& obj, const char* key, const std::string& value) {
  if (!value.empty()) obj[key] = value;
}

void SetInt(Json& obj, const char* key, int64_t value) {
  if (value != 0) obj[key] = value;
}

void SetStrings(Json& obj, const char* key, const std::vector<std::string>& values) {
  if (!values.empty()) obj[key] = values;
}

void SetMap(Json& obj, const char* key, const std::map<std::string, std::string>& values) {
  if (!values.empty()) obj[key] = values;
}

const char* TokenTypeName(core::TokenType t) {
  return t == core::TokenType::kBatch ? "batch" : "service";
}

// remote_addr as http/ gives it: "ip", "ip:port" or "[v6]:port".
void SetRemoteAddress(Json& obj, const std::string& remote) {
  RemoteAddress r = SplitRemoteAddress(remote);
  SetString(obj, "remote_address", r.host);
  SetInt(obj, "remote_port", r.port);
}

// Vault omits empty maps (omitempty) and keeps non-object data as it is.
bool IsEmptyData(const Json& data) {
  return data.is_null() || ((data.is_object() || data.is_array()) && data.empty());
}

// The caller's auth ("auth" at the top of both entry types).
Json CallerAuth(const AuditInput& in, const FormatOptions& opts, const Hasher& hash) {
  const core::Request& req = *in.request;
  const core::TokenInfo* tok = in.token;
  if (tok == nullptr && req.token.has_value()) tok = &*req.token;
  Json auth = Json::object();
  const std::string& client_token =
      (tok != nullptr && !tok->id.empty()) ? tok->id : req.client_token;
  if (!client_token.empty()) auth["client_token"] = hash(client_token);
  if (tok == nullptr) {
    auth["token_type"] = "default";  // Vault's zero TokenType
    return auth;
  }
  if (!tok->accessor.empty()) {
    auth["accessor"] = opts.hmac_accessor ? hash(tok->accessor) : tok->accessor;
  }
  SetString(auth, "display_name", tok->display_name);
  SetStrings(auth, "policies", tok->policies);
  SetStrings(auth, "token_policies", tok->policies);
  SetMap(auth, "metadata", tok->meta);
  SetString(auth, "entity_id", tok->entity_id);
  auth["token_type"] = TokenTypeName(tok->type);
  SetInt(auth, "token_ttl", in.token_ttl);
  if (in.token_issue_time != 0)
    auth["token_issue_time"] = FormatRfc3339Seconds(in.token_issue_time);
  SetInt(auth, "remaining_uses", in.remaining_uses);
  return auth;
}

Json RequestSection(const AuditInput& in, const FormatOptions& opts, const Hasher& hash) {
  const core::Request& req = *in.request;
  Json r = Json::object();
  SetString(r, "id", req.id);
  r["operation"] = core::OperationName(req.operation);
  SetString(r, "mount_point", req.mount_point);
  SetString(r, "mount_type", req.mount_type);
  SetString(r, "mount_accessor", req.mount_accessor);
  if (!req.client_token.empty()) r["client_token"] = hash(req.client_token);
  const core::TokenInfo* tok = in.token != nullptr ? in.token : (req.token ? &*req.token : nullptr);
  if (tok != nullptr && !tok->accessor.empty()) {
    r["client_token_accessor"] = opts.hmac_accessor ? hash(tok->accessor) : tok->accessor;
  }
  r["namespace"] = Json{{"id", "root"}};
  SetString(r, "path", req.path);
  if (!IsEmptyData(req.data)) {
    Json data = req.data;
    HashStrings(data, hash);
    r["data"] = std::move(data);
  }
  SetRemoteAddress(r, req.remote_addr);
  SetInt(r, "wrap_ttl", req.wrap_ttl.count());
  return r;
}

Json ResponseAuth(const core::Auth& a, const AuditInput& in, const FormatOptions& opts,
                  const Hasher& hash) {
  Json auth = Json::object();
  if (!a.client_token.empty()) auth["client_token"] = hash(a.client_token);
  if (!a.accessor.empty()) auth["accessor"] = opts.hmac_accessor ? hash(a.accessor) : a.accessor;
  SetString(auth, "display_name", a.display_name);
  SetStrings(auth, "policies", a.policies);
  SetStrings(auth, "token_policies", a.token_policies);
  SetMap(auth, "metadata", a.metadata);
  SetInt(auth, "num_uses", a.num_uses);
  SetString(auth, "entity_id", a.entity_id);
  auth["token_type"] = TokenTypeName(a.token_type);
  int64_t ttl = a.ttl.count() != 0 ? a.ttl.count() : a.lease_duration.count();
  SetInt(auth, "token_ttl", ttl);
  if (!a.client_token.empty()) auth["token_issue_time"] = FormatRfc3339Nano(in.time);
  return auth;
}

Json WrapInfoSection(const core::WrapInfo& w, const FormatOptions& opts, const Hasher& hash) {
  Json j = Json::object();
  if (!w.token.empty()) j["token"] = hash(w.token);
  if (!w.accessor.empty()) j["accessor"] = opts.hmac_accessor ? hash(w.accessor) : w.accessor;
  SetInt(j, "ttl", w.ttl.count());
  SetString(j, "creation_time", w.creation_time);
  SetString(j, "creation_path", w.creation_path);
  if (!w.wrapped_accessor.empty()) {
    j["wrapped_accessor"] = opts.hmac_accessor ? hash(w.wrapped_accessor) : w.wrapped_accessor;
  }
  return j;
}

// Vault's doElideListResponseData: keys → its length, key_info → its number of entries.
void ElideListData(Json& data) {
  if (!data.is_object()) return;
  if (auto it = data.find("keys"); it != data.end() && it->is_array()) *it = it->size();
  if (auto it = data.find("key_info"); it != data.end() && it->is_object()) *it = it->size();
}

Json ResponseData(const core::Response& resp) {
  if (!resp.data.is_null() || !resp.raw_body.has_value()) return resp.data;
  // A raw response (sys/metrics, sys/health) is audited as Vault's HTTP raw fields.
  Json d = Json::object();
  SetString(d, "http_content_type", resp.raw_content_type);
  d["http_raw_body"] = *resp.raw_body;
  if (resp.http_status != 0) d["http_status_code"] = resp.http_status;
  return d;
}

Json ResponseSection(const AuditInput& in, const FormatOptions& opts, const Hasher& hash) {
  const core::Request& req = *in.request;
  Json r = Json::object();
  SetString(r, "mount_point", req.mount_point);
  SetString(r, "mount_type", req.mount_type);
  SetString(r, "mount_accessor", req.mount_accessor);
  if (in.response == nullptr) return r;
  const core::Response& resp = *in.response;
  if (resp.auth) r["auth"] = ResponseAuth(*resp.auth, in, opts, hash);
  if (resp.secret && !resp.secret->lease_id.empty()) {
    r["secret"] = Json{{"lease_id", resp.secret->lease_id}};  // never hashed (as Vault)
  }
  Json data = ResponseData(resp);
  if (opts.elide_list_responses && req.operation == core::Operation::kList) ElideListData(data);
  if (!IsEmptyData(data)) {
    HashStrings(data, hash);
    r["data"] = std::move(data);
  }
  if (resp.wrap_info) r["wrap_info"] = WrapInfoSection(*resp.wrap_info, opts, hash);
  SetStrings(r, "warnings", resp.warnings);
  return r;
}

}  // namespace

std::string FormatRfc3339Seconds(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

RemoteAddress SplitRemoteAddress(const std::string& remote) {
  RemoteAddress out;
  out.host = remote;
  std::string port;
  if (!remote.empty() && remote.front() == '[') {
    auto close = remote.find(']');
    if (close != std::string::npos) {
      out.host = remote.substr(1, close - 1);
      if (close + 1 < remote.size() && remote[close + 1] == ':') port = remote.substr(close + 2);
    }
  } else if (auto colon = remote.find(':');
             colon != std::string::npos && remote.find(':', colon + 1) == std::string::npos) {
    out.host = remote.substr(0, colon);
    port = remote.substr(colon + 1);
  }
  if (!port.empty() && port.size() <= 5 &&
      port.find_first_not_of("0123456789") == std::string::npos) {
    out.port = std::stoll(port);
  }
  return out;
}

std::string FormatRfc3339Nano(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ns = duration_cast<nanoseconds>(t.time_since_epoch()).count();
  int64_t secs = ns / 1'000'000'000;
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::string out = FormatRfc3339Seconds(secs);
  out.pop_back();  // 'Z'
  if (frac != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

Json BuildEntry(const AuditInput& in, bool response_entry, const FormatOptions& opts,
                const Hasher& hash) {
  Json e = Json::object();
  e["type"] = response_entry ? "response" : "request";
  e["time"] = FormatRfc3339Nano(in.time);
  e["auth"] = CallerAuth(in, opts, hash);
  e["request"] = RequestSection(in, opts, hash);
  if (response_entry) {
    Json r = ResponseSection(in, opts, hash);
    if (!r.empty()) e["response"] = std::move(r);
  }
  SetString(e, "error", in.error);
  return e;
}

}  // namespace coffer::audit::internal
