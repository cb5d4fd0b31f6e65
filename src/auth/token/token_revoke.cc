// auth/token/revoke*, renew* and tidy (Vault's handleRevokeTree, handleRevokeSelf,
// handleUpdateRevokeAccessor, handleRevokeOrphan, handleRenew, handleRenewSelf,
// handleUpdateRenewAccessor, handleTidy).

#include "auth/token/token_methods.h"
#include "auth/token/token_role.h"
#include "core/core_impl.h"

namespace coffer::auth::token {

using core::Operation;
using framework::FieldType;

namespace {

framework::Path UpdatePath(std::string pattern, framework::FieldSchemas fields,
                           framework::OperationFunc fn, std::string synopsis) {
  framework::Path p;
  p.pattern = std::move(pattern);
  p.fields = std::move(fields);
  p.operations[Operation::kUpdate] = std::move(fn);
  p.help_synopsis = std::move(synopsis);
  return p;
}

}  // namespace

std::vector<framework::Path> TokenBackend::RevokePaths() {
  framework::FieldSchemas token = {{"token", {FieldType::kString}}};
  std::vector<framework::Path> paths;
  paths.push_back(UpdatePath(
      "revoke-self/?$", {}, [this](core::Request& r, FieldData&) { return Revoke(r.client_token); },
      "This endpoint will delete the token used to call it and all of its child tokens."));
  paths.push_back(UpdatePath(
      "revoke-accessor/?$", {{"accessor", {FieldType::kString}}},
      [this](core::Request&, FieldData& d) { return RevokeAccessor(d); },
      "This endpoint will delete the token associated with the accessor and all of its "
      "child tokens."));
  paths.push_back(UpdatePath(
      "revoke-orphan/?$", token,
      [this](core::Request& r, FieldData& d) { return RevokeOrphan(r, d); },
      "This endpoint will delete the token and orphan its child tokens."));
  paths.push_back(UpdatePath(
      "revoke/?$", token,
      [this](core::Request&, FieldData& d) {
        std::string id = d.GetString("token");
        if (id.empty()) return HandlerResult(Err(InvalidArgument("missing token ID")));
        return Revoke(id);
      },
      "This endpoint will delete the given token and all of its child tokens."));
  paths.push_back(UpdatePath(
      "tidy/?$", {}, [this](core::Request& r, FieldData&) { return Tidy(r); },
      "This endpoint performs cleanup tasks that can be run if certain error conditions have "
      "occurred."));
  return paths;
}

std::vector<framework::Path> TokenBackend::RenewPaths() {
  framework::FieldSchemas fields = {{"token", {FieldType::kString}},
                                    {"accessor", {FieldType::kString}},
                                    {"increment", {FieldType::kDurationSecond, Json(0)}}};
  std::vector<framework::Path> paths;
  paths.push_back(UpdatePath(
      "renew-self/?$", fields,
      [this](core::Request& r, FieldData& d) { return Renew(r, r.client_token, d); },
      "This endpoint will renew the token used to call it and prevent expiration."));
  paths.push_back(UpdatePath(
      "renew-accessor/?$", fields,
      [this](core::Request& r, FieldData& d) { return RenewAccessor(r, d); },
      "This endpoint will renew a token associated with the given accessor and its "
      "underlying lease."));
  paths.push_back(UpdatePath(
      "renew/?$", fields,
      [this](core::Request& r, FieldData& d) { return Renew(r, d.GetString("token"), d); },
      "This endpoint will renew the given token and prevent expiration."));
  return paths;
}

HandlerResult TokenBackend::Revoke(const std::string& token) {
  COFFER_ASSIGN_OR_RETURN(auto entry, core_.Tokens().Lookup(token));
  if (!entry) return core::Response{};  // Vault: revoking an unknown token is a no-op
  if (entry->type == core::TokenType::kBatch)
    return Err(InvalidArgument("batch tokens cannot be revoked"));
  COFFER_RETURN_IF_ERROR(core_.Tokens().RevokeTree(*entry));
  return core::Response{};
}

HandlerResult TokenBackend::RevokeAccessor(FieldData& d) {
  std::string accessor = d.GetString("accessor");
  if (accessor.empty()) return Err(InvalidArgument("missing accessor"));
  COFFER_ASSIGN_OR_RETURN(auto entry, core_.Tokens().LookupByAccessor(accessor));
  if (!entry) return Err(InvalidArgument("invalid accessor"));
  COFFER_RETURN_IF_ERROR(core_.Tokens().RevokeTree(*entry));
  return core::Response{};
}

HandlerResult TokenBackend::RevokeOrphan(core::Request& req, FieldData& d) {
  std::string id = d.GetString("token");
  if (id.empty()) return Err(InvalidArgument("missing token ID"));
  COFFER_ASSIGN_OR_RETURN(auto caller, Caller(req));
  bool is_sudo = false;
  if (caller) {
    COFFER_ASSIGN_OR_RETURN(is_sudo, HasSudo(*caller, req));
  }
  if (!is_sudo)
    return Err(InvalidArgument("root or sudo privileges required to revoke and orphan"));
  COFFER_ASSIGN_OR_RETURN(auto entry, core_.Tokens().Lookup(id));
  if (!entry) return Err(InvalidArgument("token to revoke not found"));
  if (entry->type == core::TokenType::kBatch)
    return Err(InvalidArgument("batch tokens cannot be revoked"));
  COFFER_RETURN_IF_ERROR(core_.Tokens().RevokeOrphan(*entry));
  return core::Response{};
}

HandlerResult TokenBackend::Renew(core::Request& req, const std::string& token, FieldData& d) {
  if (token.empty()) return Err(InvalidArgument("missing token ID"));
  COFFER_ASSIGN_OR_RETURN(auto entry, core_.Tokens().Lookup(token));
  if (!entry) return Err(InvalidArgument("token not found"));
  if (entry->type == core::TokenType::kBatch)
    return Err(InvalidArgument("batch tokens cannot be renewed"));
  COFFER_ASSIGN_OR_RETURN(core::TokenEntry renewed,
                          RenewEntry(req, std::move(*entry), d.GetDuration("increment")));
  core::Response resp;
  resp.auth = AuthFor(renewed, token);
  return resp;
}

HandlerResult TokenBackend::RenewAccessor(core::Request& req, FieldData& d) {
  std::string accessor = d.GetString("accessor");
  if (accessor.empty()) return Err(InvalidArgument("missing accessor"));
  COFFER_ASSIGN_OR_RETURN(auto entry, core_.Tokens().LookupByAccessor(accessor));
  if (!entry) return Err(InvalidArgument("invalid accessor"));
  COFFER_ASSIGN_OR_RETURN(core::TokenEntry renewed,
                          RenewEntry(req, std::move(*entry), d.GetDuration("increment")));
  core::Response resp;
  resp.auth = AuthFor(renewed, "");  // the accessor's holder does not learn the token
  return resp;
}

Result<core::TokenEntry> TokenBackend::RenewEntry(core::Request& req, core::TokenEntry entry,
                                                  std::chrono::seconds increment) {
  if (!entry.role.empty() && entry.type != core::TokenType::kBatch) {
    COFFER_ASSIGN_OR_RETURN(auto role, LoadRole(*req.storage, entry.role));
    if (!role)
      return Err(
          Internal("original token role \"" + entry.role + "\" could not be found, not renewing"));
    // The role's current limits replace the token's (Vault's authRenew).
    entry.period = role->token.period;
    entry.explicit_max_ttl = role->token.explicit_max_ttl;
    entry.max_expire_time = entry.explicit_max_ttl.count() > 0
                                ? entry.creation_time + entry.explicit_max_ttl.count()
                                : 0;
  }
  return core_.Tokens().Renew(std::move(entry), increment, MountLimits().max_ttl);
}

// Coffer revokes expired tokens when they are next looked up; tidy looks up every stored
// token (revoking the expired ones) and drops accessor entries whose token is gone. It
// runs before answering and answers as Vault does: 202 with a warning.
HandlerResult TokenBackend::Tidy(core::Request& req) {
  COFFER_ASSIGN_OR_RETURN(auto accessors, AllAccessors(/*drop_dangling=*/true));
  for (const auto& a : accessors) {
    COFFER_ASSIGN_OR_RETURN(auto entry, core_.Tokens().LookupByAccessor(a));
    (void)entry;
  }
  const char* kWarning =
      "Tidy operation successfully started. Any information from the operation will be "
      "printed to Vault's server logs.";
  core::Response resp;
  resp.warnings.push_back(kWarning);
  resp.http_status = 202;
  resp.raw_content_type = "application/json";
  resp.raw_body = Json{
      {"request_id", req.id},
      {"lease_id", ""},
      {"renewable", false},
      {"lease_duration", 0},
      {"data", nullptr},
      {"wrap_info", nullptr},
      {"warnings", Json::array({kWarning})},
      {"auth",
       nullptr}}.dump();
  return resp;
}

}  // namespace coffer::auth::token
