// UserpassBackend: users/, users/<name>, users/<name>/password, users/<name>/policies.

#include "auth/tokenutil.h"
#include "auth/userpass/backend.h"
#include "auth/userpass/password.h"
#include "auth/userpass/user.h"
#include "base/secret_bytes.h"
#include "storage/backend.h"

namespace coffer::auth::userpass {

Result<core::Response> UserpassBackend::ListUsers(Request& req, FieldData&) {
  COFFER_ASSIGN_OR_RETURN(auto users, req.storage->List(kUserPrefix));
  return Response::ListResponse(std::move(users));
}

Result<bool> UserpassBackend::UserExists(Request& req, FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(auto user,
                          LoadUser(*req.storage, NormalizeUsername(d.GetString("username"))));
  return user.has_value();
}

Result<core::Response> UserpassBackend::ReadUser(Request& req, FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(auto user,
                          LoadUser(*req.storage, NormalizeUsername(d.GetString("username"))));
  if (!user) return Err(NotFound(""));
  Json data = Json::object();
  user->token.PopulateData(&data);
  user->legacy.PopulateData(user->token, &data);
  return Response::WithData(std::move(data));
}

Result<core::Response> UserpassBackend::WriteUser(Request& req, FieldData& d) {
  const std::string username = NormalizeUsername(d.GetString("username"));
  COFFER_ASSIGN_OR_RETURN(auto existing, LoadUser(*req.storage, username));
  // Creating a user needs a password; the existence check makes Vault's create/update
  // distinction, and a missing user is a create whatever the operation says.
  if (!existing && d.GetString("password").empty()) return Err(InvalidArgument("missing password"));
  UserEntry user = existing ? std::move(*existing) : UserEntry{};

  COFFER_RETURN_IF_ERROR(user.token.Parse(d));
  if (d.Has("password")) {
    std::string password = d.GetString("password");
    if (password.empty()) return Err(InvalidArgument("missing password"));
    auto hash = HashPassword(password, *random_);
    WipeString(password);
    if (!hash) return Err(hash.error());
    user.password_hash = std::move(*hash);
  }
  COFFER_RETURN_IF_ERROR(user.legacy.Upgrade(d, &user.token));
  COFFER_RETURN_IF_ERROR(SaveUser(*req.storage, username, user));
  return Response();
}

Result<core::Response> UserpassBackend::DeleteUser(Request& req, FieldData& d) {
  const std::string username = NormalizeUsername(d.GetString("username"));
  COFFER_RETURN_IF_ERROR(req.storage->Delete(std::string(kUserPrefix) + username));
  return Response();
}

Result<core::Response> UserpassBackend::UpdatePassword(Request& req, FieldData& d) {
  const std::string username = NormalizeUsername(d.GetString("username"));
  COFFER_ASSIGN_OR_RETURN(auto user, LoadUser(*req.storage, username));
  if (!user) return Err(InvalidArgument("username does not exist"));
  std::string password = d.GetString("password");
  if (password.empty()) return Err(InvalidArgument("missing password"));
  auto hash = HashPassword(password, *random_);
  WipeString(password);
  if (!hash) return Err(hash.error());
  user->password_hash = std::move(*hash);
  COFFER_RETURN_IF_ERROR(SaveUser(*req.storage, username, *user));
  return Response();
}

Result<core::Response> UserpassBackend::UpdatePolicies(Request& req, FieldData& d) {
  const std::string username = NormalizeUsername(d.GetString("username"));
  COFFER_ASSIGN_OR_RETURN(auto user, LoadUser(*req.storage, username));
  if (!user) return Err(InvalidArgument("username does not exist"));
  auto token_policies = d.GetOk("token_policies");
  auto policies = d.GetOk("policies");
  if (token_policies) {
    user->token.policies = SanitizePolicies(token_policies->get<std::vector<std::string>>());
    user->legacy.policies = policies ? user->token.policies : std::vector<std::string>{};
  } else if (policies) {
    user->legacy.policies = SanitizePolicies(policies->get<std::vector<std::string>>());
    user->token.policies = user->legacy.policies;
  }
  COFFER_RETURN_IF_ERROR(SaveUser(*req.storage, username, *user));
  return Response();
}

}  // namespace coffer::auth::userpass
