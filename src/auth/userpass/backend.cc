#include "auth/userpass/backend.h"

#include <algorithm>
#include <cctype>

#include "auth/tokenutil.h"
#include "auth/userpass/userpass.h"
#include "crypto/random.h"

namespace coffer::auth::userpass {

using framework::Bind;

namespace {

using core::Operation;
using framework::FieldSchema;
using framework::FieldType;

}  // namespace

UserpassBackend::UserpassBackend(const core::BackendConfig& config)
    : random_(config.random != nullptr ? config.random : &crypto::SystemRandom::Get()) {
  SetKind(core::BackendKind::kCredential);
  core::SpecialPaths special;
  special.unauthenticated = {"login/*"};
  SetSpecialPaths(std::move(special));
  AddPaths({UsersListPath(), UsersPath(), UserPoliciesPath(), UserPasswordPath(), LoginPath()});
}

framework::Path UserpassBackend::UsersListPath() {
  framework::Path p;
  p.pattern = "users/?";
  p.operations[Operation::kList] = Bind(this, &UserpassBackend::ListUsers);
  p.help_synopsis = "Manage users allowed to authenticate.";
  return p;
}

framework::Path UserpassBackend::UsersPath() {
  framework::Path p;
  p.pattern = "users/" + framework::GenericNameRegex("username");
  p.fields = {{"username", FieldSchema(FieldType::kString, nullptr, "Username for this user.")},
              {"password", FieldSchema(FieldType::kString, nullptr, "Password for this user.")}};
  TokenParams::AddFields(&p.fields);
  LegacyTokenFields::AddFields(&p.fields);
  p.operations[Operation::kRead] = Bind(this, &UserpassBackend::ReadUser);
  p.operations[Operation::kCreate] = Bind(this, &UserpassBackend::WriteUser);
  p.operations[Operation::kUpdate] = Bind(this, &UserpassBackend::WriteUser);
  p.operations[Operation::kDelete] = Bind(this, &UserpassBackend::DeleteUser);
  p.existence_check = Bind(this, &UserpassBackend::UserExists);
  p.help_synopsis = "Manage users allowed to authenticate.";
  return p;
}

framework::Path UserpassBackend::UserPasswordPath() {
  framework::Path p;
  p.pattern = "users/" + framework::GenericNameRegex("username") + "/password";
  p.fields = {{"username", FieldSchema(FieldType::kString)},
              {"password", FieldSchema(FieldType::kString)}};
  p.operations[Operation::kUpdate] = Bind(this, &UserpassBackend::UpdatePassword);
  p.help_synopsis = "Reset user's password.";
  return p;
}

framework::Path UserpassBackend::UserPoliciesPath() {
  framework::Path p;
  p.pattern = "users/" + framework::GenericNameRegex("username") + "/policies";
  p.fields = {{"username", FieldSchema(FieldType::kString)},
              {"policies", FieldSchema(FieldType::kCommaStringSlice)},
              {"token_policies", FieldSchema(FieldType::kCommaStringSlice)}};
  p.operations[Operation::kUpdate] = Bind(this, &UserpassBackend::UpdatePolicies);
  p.help_synopsis = "Update the policies associated with the username.";
  return p;
}

framework::Path UserpassBackend::LoginPath() {
  framework::Path p;
  p.pattern = "login/" + framework::GenericNameRegex("username");
  p.fields = {{"username", FieldSchema(FieldType::kString, nullptr, "Username of the user.")},
              {"password", FieldSchema(FieldType::kString, nullptr, "Password for this user.")}};
  p.operations[Operation::kUpdate] = Bind(this, &UserpassBackend::Login);
  p.help_synopsis = "Log in with a username and password.";
  return p;
}

std::string NormalizeUsername(const std::string& name) {
  std::string out = name;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Result<std::unique_ptr<core::Backend>> Factory(const core::BackendConfig& config) {
  auto backend = std::make_unique<UserpassBackend>(config);
  COFFER_RETURN_IF_ERROR(backend->Initialize());
  return std::unique_ptr<core::Backend>(std::move(backend));
}

}  // namespace coffer::auth::userpass
