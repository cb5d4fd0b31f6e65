#pragma once
// UserpassBackend: the framework::Backend behind userpass.h. Internal to auth/userpass/.
//
// Thread-safety: HandleRequest and RenewLease may run concurrently. A user entry is
// written with one storage Put; two concurrent updates of one user may interleave their
// read-modify-write (last writer wins), as in Vault.

#include <string>

#include "core/backend.h"
#include "framework/backend.h"

namespace coffer::crypto {
class Random;
}

namespace coffer::auth::userpass {

class UserpassBackend final : public framework::Backend {
 public:
  explicit UserpassBackend(const core::BackendConfig& config);

  Result<core::Response> RenewLease(core::Request& req) override;

 private:
  using Request = core::Request;
  using Response = core::Response;
  using FieldData = framework::FieldData;

  framework::Path UsersListPath();
  framework::Path UsersPath();
  framework::Path UserPasswordPath();
  framework::Path UserPoliciesPath();
  framework::Path LoginPath();

  // path_users.cc
  Result<Response> ListUsers(Request& req, FieldData& d);
  Result<Response> ReadUser(Request& req, FieldData& d);
  Result<Response> WriteUser(Request& req, FieldData& d);
  Result<Response> DeleteUser(Request& req, FieldData& d);
  Result<bool> UserExists(Request& req, FieldData& d);
  Result<Response> UpdatePassword(Request& req, FieldData& d);
  Result<Response> UpdatePolicies(Request& req, FieldData& d);

  // path_login.cc
  Result<Response> Login(Request& req, FieldData& d);

  crypto::Random* random_;
};

// Vault lower-cases user names everywhere.
std::string NormalizeUsername(const std::string& name);

}  // namespace coffer::auth::userpass
