// UserpassBackend: login/<name> and the renewal of the tokens it issued.

#include "auth/tokenutil.h"
#include "auth/userpass/backend.h"
#include "auth/userpass/password.h"
#include "auth/userpass/user.h"
#include "base/secret_bytes.h"
#include "storage/backend.h"

namespace coffer::auth::userpass {

namespace {

constexpr const char* kInvalidCredentials = "invalid username or password";

}  // namespace

Result<core::Response> UserpassBackend::Login(Request& req, FieldData& d) {
  const std::string username = NormalizeUsername(d.GetString("username"));
  std::string password = d.GetString("password");
  if (password.empty()) return Err(InvalidArgument("missing password"));

  auto user = LoadUser(*req.storage, username);
  // Unknown users cost as much as a wrong password, so timing does not reveal names.
  bool ok = false;
  if (user && *user) {
    ok = VerifyPassword(password, (*user)->password_hash);
  } else {
    VerifyAgainstDummy(password);
  }
  WipeString(password);
  if (!user) return Err(user.error());
  if (!ok) return Err(InvalidArgument(kInvalidCredentials));
  const UserEntry& entry = **user;

  if (!RemoteAddrAllowed(req.remote_addr, entry.token.bound_cidrs)) return Err(PermissionDenied());

  core::Auth auth;
  entry.token.ApplyTo(&auth);
  auth.display_name = username;  // Core prefixes the mount ("userpass-alice")
  auth.metadata = {{"username", username}};
  auth.internal_data["username"] = username;
  auth.internal_data["policies"] = entry.token.policies;
  Response r;
  r.auth = std::move(auth);
  return r;
}

Result<core::Response> UserpassBackend::RenewLease(core::Request& req) {
  // Who the token was issued to and with which policies: from the login's internal data,
  // else from the token itself.
  const Json internal =
      req.data.is_object() && req.data.contains("internal") ? req.data["internal"] : Json::object();
  std::string username = internal.value("username", std::string());
  std::vector<std::string> issued_policies;
  if (internal.contains("policies") && internal["policies"].is_array())
    issued_policies = internal["policies"].get<std::vector<std::string>>();
  if (req.token) {
    if (username.empty()) {
      auto it = req.token->meta.find("username");
      if (it != req.token->meta.end()) username = it->second;
    }
    if (!internal.contains("policies")) issued_policies = req.token->policies;
  }
  if (username.empty()) return Err(InvalidArgument("no username associated with the token"));

  COFFER_ASSIGN_OR_RETURN(auto user, LoadUser(*req.storage, NormalizeUsername(username)));
  if (!user) return Err(InvalidArgument("user no longer exists, not renewing"));
  if (!EquivalentPolicies(user->token.policies, issued_policies))
    return Err(InvalidArgument("policies have changed, not renewing"));

  core::Auth auth;
  auth.policies = issued_policies;
  auth.token_policies = issued_policies;
  auth.metadata = {{"username", NormalizeUsername(username)}};
  auth.renewable = true;
  auth.period = user->token.period;
  auth.ttl = user->token.ttl;
  auth.max_ttl = user->token.max_ttl;
  Response r;
  r.auth = std::move(auth);
  return r;
}

}  // namespace coffer::auth::userpass
