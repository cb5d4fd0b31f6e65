// Response wrapping (Vault's vault/wrapping.go): a response is stored in the cubbyhole of
// a new single-use token whose only policy is "response-wrapping", and the client gets
// that token's wrap_info instead. Cubbyhole entries of a wrapping token:
//   response → {"response": "<the HTTP response body, as Vault would have sent it>"}
//   wrapinfo → {"creation_ttl": s, "creation_time": RFC 3339, "creation_path": path}
// Unwrapping uses the token's one use, reads the response and revokes the token (which
// destroys its cubbyhole), so a second unwrap finds nothing.

#include "core/core_impl.h"
#include "core/policy/builtin_policies.h"

namespace coffer::core {

namespace {

constexpr char kInvalidWrappingToken[] = "wrapping token is not valid or does not exist";

bool IsWrappingToken(const std::vector<std::string>& policies) {
  return policies.size() == 1 && policies[0] == kResponseWrappingPolicyName;
}

}  // namespace

struct CoreImpl::Wrapped {
  std::string response;  // the stored HTTP body
  Json info;             // creation_ttl, creation_time, creation_path
};

Status CoreImpl::WrapResponse(const Request& req, Response& resp) {
  auto cubby = routes_.load()->ByPath("cubbyhole/");
  if (!cubby) return Internal("no cubbyhole mount to store the wrapped response");
  TokenCreateParams p;
  p.policies = {std::string(kResponseWrappingPolicyName)};
  p.no_default_policy = true;
  p.num_uses = 1;
  p.ttl = req.wrap_ttl;
  p.max_ttl = req.wrap_ttl;
  p.orphan = true;
  p.renewable = false;
  // sys/wrapping/rewrap hands over the stored body of the old token unchanged, with its
  // creation path.
  std::string body;
  std::string creation_path = req.path;
  const bool rewrap = req.path == "sys/wrapping/rewrap" && resp.data.is_object() &&
                      resp.data.contains("response") && resp.data["response"].is_string();
  if (rewrap) {
    body = resp.data["response"].get<std::string>();
    creation_path = resp.data.value("creation_path", req.path);
  }
  p.path = creation_path;
  COFFER_ASSIGN_OR_RETURN(TokenEntry token, tokens_->Create(p, nullptr));
  if (!rewrap) {
    Response inner = resp;
    inner.wrap_info.reset();
    body = RenderEnvelope(req, inner).dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  const std::string creation_time =
      FormatTime(TimePoint(std::chrono::seconds(token.creation_time)));
  const std::string folder = CubbyholeFolder(token.id_hash);
  std::vector<storage::Op> ops = {
      storage::Op::Put(folder + "response", Json{{"response", body}}.dump()),
      storage::Op::Put(folder + "wrapinfo", Json{{"creation_ttl", req.wrap_ttl.count()},
                                                 {"creation_time", creation_time},
                                                 {"creation_path", creation_path}}
                                                .dump())};
  Status st = cubby->view->Batch(ops);
  if (!st.ok()) {
    (void)tokens_->RevokeTree(token);
    return st;
  }
  WrapInfo w;
  w.token = token.id;
  w.accessor = token.accessor;
  w.ttl = req.wrap_ttl;
  w.creation_time = creation_time;
  w.creation_path = creation_path;
  if (resp.auth) w.wrapped_accessor = resp.auth->accessor;
  Response out;
  out.wrap_info = std::move(w);
  resp = std::move(out);
  return Status::Ok();
}

Result<CoreImpl::Wrapped> CoreImpl::TakeWrapped(Request& req, const std::string& token) {
  std::string owner;
  std::optional<TokenEntry> other;
  if (token.empty() || (req.token && token == req.token->id)) {
    // The request's own token is the wrapping token: its use was taken by CheckToken and
    // HandleLocked revokes it after this request.
    if (!req.token || !IsWrappingToken(req.token->policies))
      return Err(InvalidArgument(kInvalidWrappingToken));
    owner = req.token->cubbyhole_id;
  } else {
    COFFER_ASSIGN_OR_RETURN(other, tokens_->Lookup(token));
    if (!other || !IsWrappingToken(other->policies))
      return Err(InvalidArgument(kInvalidWrappingToken));
    COFFER_ASSIGN_OR_RETURN(bool usable, tokens_->UseToken(*other));
    if (!usable) return Err(InvalidArgument(kInvalidWrappingToken));
    owner = other->id_hash;
  }
  auto cubby = routes_.load()->ByPath("cubbyhole/");
  if (!cubby) return Err(Internal("no cubbyhole mount"));
  const std::string folder = CubbyholeFolder(owner);
  auto raw = cubby->view->Get(folder + "response");
  auto info_raw = cubby->view->Get(folder + "wrapinfo");
  if (other) {
    Status st = tokens_->RevokeUsedUp(owner);
    if (!st.ok()) return Err(st);
  }
  if (!raw) return Err(raw.error());
  if (!info_raw) return Err(info_raw.error());
  if (!*raw) return Err(InvalidArgument(kInvalidWrappingToken));
  auto j = ParseJson(**raw);
  if (!j || !j->is_object() || !(*j)["response"].is_string())
    return Err(Corruption("wrapped response is unreadable"));
  Wrapped w;
  w.response = (*j)["response"].get<std::string>();
  if (*info_raw) {
    auto info = ParseJson(**info_raw);
    if (info) w.info = *info;
  }
  return w;
}

Result<Response> CoreImpl::Unwrap(Request& req, const std::string& token) {
  COFFER_ASSIGN_OR_RETURN(Wrapped w, TakeWrapped(req, token));
  Response r;
  r.http_status = 200;
  r.raw_body = std::move(w.response);
  r.raw_content_type = "application/json";
  return r;
}

Result<Json> CoreImpl::WrapLookup(const std::string& token) {
  COFFER_ASSIGN_OR_RETURN(auto entry, tokens_->Lookup(token));
  if (!entry || !IsWrappingToken(entry->policies))
    return Err(InvalidArgument(kInvalidWrappingToken));
  auto cubby = routes_.load()->ByPath("cubbyhole/");
  if (!cubby) return Err(Internal("no cubbyhole mount"));
  COFFER_ASSIGN_OR_RETURN(auto raw, cubby->view->Get(CubbyholeFolder(entry->id_hash) + "wrapinfo"));
  if (!raw) return Err(InvalidArgument(kInvalidWrappingToken));
  COFFER_ASSIGN_OR_RETURN(Json info, ParseJson(*raw));
  return info;
}

Result<Response> CoreImpl::Rewrap(Request& req, const std::string& token) {
  COFFER_ASSIGN_OR_RETURN(Wrapped w, TakeWrapped(req, token));
  int64_t ttl = w.info.is_object() ? w.info.value("creation_ttl", int64_t{0}) : 0;
  if (ttl <= 0) return Err(InvalidArgument(kInvalidWrappingToken));
  // RouteAndFinish wraps this again with the original TTL, storing the body as it was.
  req.wrap_ttl = std::chrono::seconds(ttl);
  Response r;
  r.data = Json{{"response", w.response}};
  if (w.info.is_object() && w.info.contains("creation_path"))
    r.data["creation_path"] = w.info["creation_path"];
  return r;
}

}  // namespace coffer::core
