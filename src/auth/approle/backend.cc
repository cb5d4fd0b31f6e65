#include "auth/approle/backend.h"

#include "auth/approle/approle.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "storage/backend.h"

namespace coffer::auth::approle {

namespace {

using core::Operation;
using framework::FieldSchema;
using framework::FieldType;

constexpr std::string_view kSaltKey = "salt";
constexpr size_t kSaltBytes = 32;

template <class B, class R>
auto Bind(B* backend, R (B::*method)(core::Request&, framework::FieldData&)) {
  return [backend, method](core::Request& req, framework::FieldData& d) {
    return (backend->*method)(req, d);
  };
}

std::string RolePattern(const std::string& suffix) {
  return "role/" + framework::GenericNameRegex("role_name") + suffix;
}

FieldSchema RoleNameField() {
  return FieldSchema(FieldType::kString, nullptr, "Name of the role.");
}

void AddSecretIdIssueFields(framework::FieldSchemas* f) {
  f->emplace("metadata", FieldSchema(FieldType::kString, "",
                                     "JSON object of string values (or k=v pairs) set on tokens "
                                     "issued with this SecretID."));
  f->emplace("cidr_list", FieldSchema(FieldType::kCommaStringSlice, nullptr,
                                      "CIDR blocks from which this SecretID may be used."));
  f->emplace("token_bound_cidrs", FieldSchema(FieldType::kCommaStringSlice, nullptr,
                                              "CIDR blocks that may use the issued tokens."));
  f->emplace("num_uses", FieldSchema(FieldType::kInt, nullptr, "Logins allowed; 0 = unlimited."));
  f->emplace("ttl", FieldSchema(FieldType::kDurationSecond, nullptr, "Lifetime of the SecretID."));
}

}  // namespace

ApproleBackend::ApproleBackend(const core::BackendConfig& config)
    : clock_(config.clock != nullptr ? config.clock : &RealClock::Get()),
      random_(config.random != nullptr ? config.random : &crypto::SystemRandom::Get()),
      system_(config.system) {
  SetKind(core::BackendKind::kCredential);
  core::SpecialPaths special;
  special.unauthenticated = {"login"};
  SetSpecialPaths(std::move(special));
  std::vector<framework::Path> paths = RolePaths();
  for (auto& p : RoleFieldPaths()) paths.push_back(std::move(p));
  for (auto& p : SecretIdPaths()) paths.push_back(std::move(p));
  paths.push_back(LoginPath());
  paths.push_back(TidyPath());
  AddPaths(std::move(paths));
}

std::vector<framework::Path> ApproleBackend::RolePaths() {
  framework::Path list;
  list.pattern = "role/?";
  list.operations[Operation::kList] = Bind(this, &ApproleBackend::ListRoles);
  list.help_synopsis = "Lists all the roles registered with the backend.";

  framework::Path role;
  role.pattern = RolePattern("");
  role.fields = {
      {"role_name", RoleNameField()},
      {"bind_secret_id", FieldSchema(FieldType::kBool, true,
                                     "Impose secret_id to be presented when logging in using "
                                     "this role. Defaults to 'true'.")},
      {"bound_cidr_list", FieldSchema(FieldType::kCommaStringSlice, nullptr,
                                      "Deprecated: Please use \"secret_id_bound_cidrs\" instead.")},
      {"secret_id_bound_cidrs", FieldSchema(FieldType::kCommaStringSlice, nullptr,
                                            "CIDR blocks which can perform the login operation.")},
      {"policies", FieldSchema(FieldType::kCommaStringSlice, nullptr,
                               "Deprecated: Please use \"token_policies\" instead.")},
      {"secret_id_num_uses",
       FieldSchema(FieldType::kInt, nullptr, "Number of times a SecretID can access the role.")},
      {"secret_id_ttl", FieldSchema(FieldType::kDurationSecond, nullptr,
                                    "Duration after which the issued SecretID expires.")},
      {"period", FieldSchema(FieldType::kDurationSecond, nullptr,
                             "Deprecated: Please use \"token_period\" instead.")},
      {"role_id",
       FieldSchema(FieldType::kString, nullptr, "Identifier of the role. Defaults to a UUID.")},
      {"local_secret_ids", FieldSchema(FieldType::kBool, false,
                                       "If set, the secret IDs generated using this role will "
                                       "be cluster local.")}};
  TokenParams::AddFields(&role.fields);
  role.operations[Operation::kRead] = Bind(this, &ApproleBackend::ReadRole);
  role.operations[Operation::kCreate] = Bind(this, &ApproleBackend::WriteRole);
  role.operations[Operation::kUpdate] = Bind(this, &ApproleBackend::WriteRole);
  role.operations[Operation::kDelete] = Bind(this, &ApproleBackend::DeleteRole);
  role.existence_check = Bind(this, &ApproleBackend::RoleExists);
  role.help_synopsis = "Register an role with the backend.";

  framework::Path role_id;
  role_id.pattern = RolePattern("/role-id");
  role_id.fields = {{"role_name", RoleNameField()},
                    {"role_id", FieldSchema(FieldType::kString, nullptr,
                                            "Identifier of the role. Defaults to a UUID.")}};
  role_id.operations[Operation::kRead] = Bind(this, &ApproleBackend::ReadRoleId);
  role_id.operations[Operation::kUpdate] = Bind(this, &ApproleBackend::UpdateRoleId);
  role_id.help_synopsis = "Returns the 'role_id' of the role.";

  std::vector<framework::Path> out;
  out.push_back(std::move(list));
  out.push_back(std::move(role));
  out.push_back(std::move(role_id));
  return out;
}

std::vector<framework::Path> ApproleBackend::SecretIdPaths() {
  std::vector<framework::Path> out;
  auto add = [&](std::string suffix, framework::FieldSchemas extra,
                 std::map<Operation, framework::OperationFunc> ops, std::string help) {
    framework::Path p;
    p.pattern = RolePattern(suffix);
    p.fields = std::move(extra);
    p.fields.emplace("role_name", RoleNameField());
    p.operations = std::move(ops);
    p.help_synopsis = std::move(help);
    out.push_back(std::move(p));
  };
  framework::FieldSchemas issue;
  AddSecretIdIssueFields(&issue);
  add("/secret-id/?", issue,
      {{Operation::kUpdate, Bind(this, &ApproleBackend::GenerateSecretId)},
       {Operation::kList, Bind(this, &ApproleBackend::ListSecretIds)}},
      "Generate a SecretID against this role, or list the accessors of its SecretIDs.");
  framework::FieldSchemas custom = issue;
  custom.emplace("secret_id",
                 FieldSchema(FieldType::kString, nullptr, "SecretID to be attached to the role."));
  add("/custom-secret-id$", custom,
      {{Operation::kUpdate, Bind(this, &ApproleBackend::CustomSecretId)}},
      "Assign a SecretID of choice against the role.");
  const framework::FieldSchemas by_value = {
      {"secret_id", FieldSchema(FieldType::kString, nullptr, "SecretID attached to the role.")}};
  add("/secret-id/lookup/?", by_value,
      {{Operation::kUpdate, Bind(this, &ApproleBackend::LookupSecretId)}},
      "Read the properties of an issued secret_id.");
  add("/secret-id/destroy/?", by_value,
      {{Operation::kUpdate, Bind(this, &ApproleBackend::DestroySecretId)},
       {Operation::kDelete, Bind(this, &ApproleBackend::DestroySecretId)}},
      "Invalidate an issued secret_id.");
  const framework::FieldSchemas by_accessor = {
      {"secret_id_accessor",
       FieldSchema(FieldType::kString, nullptr, "Accessor of the SecretID.")}};
  add("/secret-id-accessor/lookup/?", by_accessor,
      {{Operation::kUpdate, Bind(this, &ApproleBackend::LookupSecretIdAccessor)}},
      "Read an issued secret_id, using its accessor.");
  add("/secret-id-accessor/destroy/?", by_accessor,
      {{Operation::kUpdate, Bind(this, &ApproleBackend::DestroySecretIdAccessor)},
       {Operation::kDelete, Bind(this, &ApproleBackend::DestroySecretIdAccessor)}},
      "Delete an issued secret_id, using its accessor.");
  return out;
}

framework::Path ApproleBackend::LoginPath() {
  framework::Path p;
  p.pattern = "login$";
  p.fields = {
      {"role_id", FieldSchema(FieldType::kString, nullptr, "Unique identifier of the Role.")},
      {"secret_id", FieldSchema(FieldType::kString, "", "SecretID belong to the App role")}};
  p.operations[Operation::kUpdate] = Bind(this, &ApproleBackend::Login);
  p.help_synopsis = "Issue a token based on the credentials supplied";
  return p;
}

framework::Path ApproleBackend::TidyPath() {
  framework::Path p;
  p.pattern = "tidy/secret-id$";
  p.operations[Operation::kUpdate] = Bind(this, &ApproleBackend::TidySecretIds);
  p.help_synopsis = "Trigger the clean-up of expired SecretID entries.";
  return p;
}

std::string ApproleBackend::RoleHmac(const RoleEntry& role, std::string_view value) {
  return crypto::HexEncode(crypto::HmacSha256(role.hmac_key, value));
}

Result<std::string> ApproleBackend::Salted(storage::Backend& s, std::string_view value) {
  std::lock_guard<std::mutex> l(salt_mu_);
  if (!salt_) {
    COFFER_ASSIGN_OR_RETURN(auto stored, s.Get(kSaltKey));
    if (stored) {
      auto j = ParseJson(*stored);
      if (!j || !j->is_object() || !(*j)["salt"].is_string())
        return Err(Corruption("approle: unreadable salt"));
      COFFER_ASSIGN_OR_RETURN(std::string raw, crypto::HexDecode((*j)["salt"].get<std::string>()));
      salt_ = SecretBytes::FromString(raw);
      WipeString(raw);
    } else {
      COFFER_ASSIGN_OR_RETURN(SecretBytes fresh, crypto::RandomBytes(*random_, kSaltBytes));
      std::string hex = crypto::HexEncode(fresh.view());
      Status st = s.Put(kSaltKey, Json{{"v", 1}, {"salt", hex}}.dump());
      WipeString(hex);
      COFFER_RETURN_IF_ERROR(st);
      salt_ = std::move(fresh);
    }
  }
  return crypto::HexEncode(crypto::HmacSha256(salt_->view(), value));
}

std::mutex& ApproleBackend::SecretIdLock(const std::string& secret_id_hmac) {
  return secret_id_locks_[std::hash<std::string>{}(secret_id_hmac) % secret_id_locks_.size()];
}

Result<std::unique_ptr<core::Backend>> Factory(const core::BackendConfig& config) {
  auto backend = std::make_unique<ApproleBackend>(config);
  COFFER_RETURN_IF_ERROR(backend->Initialize());
  return std::unique_ptr<core::Backend>(std::move(backend));
}

}  // namespace coffer::auth::approle
