// The JSON entry written straight into a string: "time" first, then every object's members
// in name order (nlohmann's order, so the text equals a dump of the parsed entry with
// "time" moved first — entry_writer_test.cc checks that), omitempty as Vault. No JSON tree
// and no copies of request and response data: an audited request writes two entries, and
// building them as trees cost a third of the requests/s (bench/RESULTS.md, issue 6).

#include <string>
#include <string_view>

#include "audit/entry.h"
#include "audit/format.h"

namespace coffer::audit::internal {
namespace {

using core::AuditInput;

bool Plain(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
  return true;
}

// A JSON string as nlohmann's dump writes it (escapes, invalid UTF-8 replaced).
void String(std::string& out, std::string_view s) {
  if (Plain(s)) {
    out += '"';
    out += s;
    out += '"';
    return;
  }
  out += Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Writes one object's members; each Member call adds ",\"name\":" as needed.
class Object {
 public:
  explicit Object(std::string& out) : out_(out) { out_ += '{'; }
  ~Object() { out_ += '}'; }
  std::string& Member(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    String(out_, name);
    out_ += ':';
    return out_;
  }
  void Str(std::string_view name, std::string_view v) { String(Member(name), v); }
  void StrIf(std::string_view name, std::string_view v) {
    if (!v.empty()) Str(name, v);
  }
  void IntIf(std::string_view name, int64_t v) {
    if (v != 0) Member(name) += std::to_string(v);
  }
  void StrsIf(std::string_view name, const std::vector<std::string>& v) {
    if (v.empty()) return;
    std::string& o = Member(name);
    o += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) o += ',';
      String(o, v[i]);
    }
    o += ']';
  }
  void MapIf(std::string_view name, const std::map<std::string, std::string>& m) {
    if (m.empty()) return;
    Member(name);
    Object o(out_);
    for (const auto& [k, v] : m) o.Str(k, v);
  }

 private:
  std::string& out_;
  bool first_ = true;
};

// A data value with every string replaced by hash(string) (Vault's HashStructure).
void HashedValue(std::string& out, const Json& v, const Hasher& hash) {
  if (v.is_string()) {
    String(out, hash(v.get_ref<const std::string&>()));
  } else if (v.is_object()) {
    Object o(out);
    for (auto it = v.begin(); it != v.end(); ++it) HashedValue(o.Member(it.key()), *it, hash);
  } else if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& child : v) {
      if (!first) out += ',';
      first = false;
      HashedValue(out, child, hash);
    }
    out += ']';
  } else {
    out += v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

bool IsEmptyData(const Json& data) {
  return data.is_null() || ((data.is_object() || data.is_array()) && data.empty());
}

const core::TokenInfo* CallerToken(const AuditInput& in) {
  if (in.token != nullptr) return in.token;
  return in.request->token ? &*in.request->token : nullptr;
}

std::string MaybeHashAccessor(const std::string& a, const FormatOptions& opts, const Hasher& hash) {
  return opts.hmac_accessor ? hash(a) : a;
}

void CallerAuth(std::string& out, const AuditInput& in, const FormatOptions& opts,
                const Hasher& hash) {
  const core::Request& req = *in.request;
  const core::TokenInfo* tok = CallerToken(in);
  const std::string& client_token =
      (tok != nullptr && !tok->id.empty()) ? tok->id : req.client_token;
  Object a(out);
  if (tok == nullptr) {
    if (!client_token.empty()) a.Str("client_token", hash(client_token));
    a.Str("token_type", "default");
    return;
  }
  if (!tok->accessor.empty()) a.Str("accessor", MaybeHashAccessor(tok->accessor, opts, hash));
  if (!client_token.empty()) a.Str("client_token", hash(client_token));
  a.StrIf("display_name", tok->display_name);
  a.StrIf("entity_id", tok->entity_id);
  a.MapIf("metadata", tok->meta);
  a.StrsIf("policies", tok->policies);
  a.IntIf("remaining_uses", in.remaining_uses);
  if (in.token_issue_time != 0)
    a.Str("token_issue_time", FormatRfc3339Seconds(in.token_issue_time));
  a.StrsIf("token_policies", tok->policies);
  a.IntIf("token_ttl", in.token_ttl);
  a.Str("token_type", tok->type == core::TokenType::kBatch ? "batch" : "service");
}

void RequestSection(std::string& out, const AuditInput& in, const FormatOptions& opts,
                    const Hasher& hash) {
  const core::Request& req = *in.request;
  const core::TokenInfo* tok = CallerToken(in);
  RemoteAddress remote = SplitRemoteAddress(req.remote_addr);
  Object r(out);
  if (!req.client_token.empty()) r.Str("client_token", hash(req.client_token));
  if (tok != nullptr && !tok->accessor.empty())
    r.Str("client_token_accessor", MaybeHashAccessor(tok->accessor, opts, hash));
  if (!IsEmptyData(req.data)) HashedValue(r.Member("data"), req.data, hash);
  r.StrIf("id", req.id);
  r.StrIf("mount_accessor", req.mount_accessor);
  r.StrIf("mount_point", req.mount_point);
  r.StrIf("mount_type", req.mount_type);
  r.Member("namespace") += "{\"id\":\"root\"}";
  r.Str("operation", core::OperationName(req.operation));
  r.StrIf("path", req.path);
  r.StrIf("remote_address", remote.host);
  r.IntIf("remote_port", remote.port);
  r.IntIf("wrap_ttl", req.wrap_ttl.count());
}

void ResponseAuth(std::string& out, const core::Auth& a, const AuditInput& in,
                  const FormatOptions& opts, const Hasher& hash) {
  Object o(out);
  if (!a.accessor.empty()) o.Str("accessor", MaybeHashAccessor(a.accessor, opts, hash));
  if (!a.client_token.empty()) o.Str("client_token", hash(a.client_token));
  o.StrIf("display_name", a.display_name);
  o.StrIf("entity_id", a.entity_id);
  o.MapIf("metadata", a.metadata);
  o.IntIf("num_uses", a.num_uses);
  o.StrsIf("policies", a.policies);
  if (!a.client_token.empty()) o.Str("token_issue_time", FormatRfc3339Nano(in.time));
  o.StrsIf("token_policies", a.token_policies);
  o.IntIf("token_ttl", a.ttl.count() != 0 ? a.ttl.count() : a.lease_duration.count());
  o.Str("token_type", a.token_type == core::TokenType::kBatch ? "batch" : "service");
}

void WrapInfo(std::string& out, const core::WrapInfo& w, const FormatOptions& opts,
              const Hasher& hash) {
  Object o(out);
  if (!w.accessor.empty()) o.Str("accessor", MaybeHashAccessor(w.accessor, opts, hash));
  o.StrIf("creation_path", w.creation_path);
  o.StrIf("creation_time", w.creation_time);
  if (!w.token.empty()) o.Str("token", hash(w.token));
  o.IntIf("ttl", w.ttl.count());
  if (!w.wrapped_accessor.empty())
    o.Str("wrapped_accessor", MaybeHashAccessor(w.wrapped_accessor, opts, hash));
}

bool ResponseSectionEmpty(const AuditInput& in) {
  const core::Request& req = *in.request;
  return in.response == nullptr && req.mount_point.empty() && req.mount_type.empty() &&
         req.mount_accessor.empty();
}

void ResponseSection(std::string& out, const AuditInput& in, const FormatOptions& opts,
                     const Hasher& hash) {
  const core::Request& req = *in.request;
  const core::Response* resp = in.response;
  Object r(out);
  if (resp != nullptr && resp->auth) ResponseAuth(r.Member("auth"), *resp->auth, in, opts, hash);
  if (resp != nullptr) {
    if (opts.elide_list_responses && req.operation == core::Operation::kList &&
        resp->data.is_object()) {
      // Vault's doElideListResponseData: keys -> its length, key_info -> its entry count.
      Json data = resp->data;
      if (auto it = data.find("keys"); it != data.end() && it->is_array()) *it = it->size();
      if (auto it = data.find("key_info"); it != data.end() && it->is_object()) *it = it->size();
      if (!IsEmptyData(data)) HashedValue(r.Member("data"), data, hash);
    } else if (!resp->data.is_null() || !resp->raw_body.has_value()) {
      if (!IsEmptyData(resp->data)) HashedValue(r.Member("data"), resp->data, hash);
    } else {
      // A raw response (sys/metrics): Vault's HTTP raw fields.
      Object d(r.Member("data"));
      if (!resp->raw_content_type.empty()) d.Str("http_content_type", hash(resp->raw_content_type));
      d.Str("http_raw_body", hash(*resp->raw_body));
      if (resp->http_status != 0) d.Member("http_status_code") += std::to_string(resp->http_status);
    }
  }
  r.StrIf("mount_accessor", req.mount_accessor);
  r.StrIf("mount_point", req.mount_point);
  r.StrIf("mount_type", req.mount_type);
  if (resp == nullptr) return;
  if (resp->secret && !resp->secret->lease_id.empty()) {
    Object s(r.Member("secret"));
    s.Str("lease_id", resp->secret->lease_id);
  }
  r.StrsIf("warnings", resp->warnings);
  if (resp->wrap_info) WrapInfo(r.Member("wrap_info"), *resp->wrap_info, opts, hash);
}

}  // namespace

void WriteEntry(std::string& out, const AuditInput& in, bool response_entry,
                const FormatOptions& opts, const Hasher& hash) {
  Object e(out);
  e.Str("time", FormatRfc3339Nano(in.time));
  CallerAuth(e.Member("auth"), in, opts, hash);
  e.StrIf("error", in.error);
  RequestSection(e.Member("request"), in, opts, hash);
  if (response_entry && !ResponseSectionEmpty(in)) {
    ResponseSection(e.Member("response"), in, opts, hash);
  }
  e.Str("type", response_entry ? "response" : "request");
}

}  // namespace coffer::audit::internal
