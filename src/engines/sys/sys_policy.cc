// sys/policy (the original API, body field "rules") and sys/policies/acl (field
// "policy"): list, read, write and delete ACL policies held by Core's PolicyStore.
// Vault: handlePoliciesList, handlePoliciesRead, handlePoliciesSet, handlePoliciesDelete.

#include "core/core_impl.h"
#include "core/policy/policy_store.h"
#include "crypto/hash.h"
#include "engines/sys/system_backend.h"

namespace coffer::engines::sys {

using core::Operation;
using framework::FieldType;

namespace {

// True for sys/policy[/...]: the legacy API that says "rules" and lists "policies" too.
bool IsLegacyPolicyPath(const core::Request& req) { return req.path.rfind("policy", 0) == 0; }

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::vector<framework::Path> SystemBackend::PolicyPaths() {
  auto list = [this](core::Request& r, FieldData& d) { return ListPolicies(r, d); };
  framework::FieldSchemas fields = {{"name", {FieldType::kString}},
                                    {"policy", {FieldType::kString}},
                                    {"rules", {FieldType::kString}}};
  std::vector<framework::Path> paths;
  for (const char* prefix : {"policy", "policies/acl"}) {
    framework::Path all;
    all.pattern = std::string(prefix) + "/?$";
    all.operations[Operation::kList] = list;
    if (std::string_view(prefix) == "policy") all.operations[Operation::kRead] = list;
    all.help_synopsis = "List the configured access control policies.";

    framework::Path one;
    one.pattern = std::string(prefix) + "/(?P<name>.+)";
    one.fields = fields;
    one.operations[Operation::kRead] = [this](core::Request& r, FieldData& d) {
      return ReadPolicy(r, d);
    };
    one.operations[Operation::kUpdate] = [this](core::Request& r, FieldData& d) {
      return WritePolicy(r, d);
    };
    one.operations[Operation::kDelete] = [this](core::Request& r, FieldData& d) {
      return DeletePolicy(r, d);
    };
    one.help_synopsis = "Read, Modify, or Delete an access control policy.";
    paths.push_back(std::move(all));
    paths.push_back(std::move(one));
  }
  return paths;
}

HandlerResult SystemBackend::ListPolicies(core::Request& req, FieldData&) {
  COFFER_ASSIGN_OR_RETURN(auto names, core_.Policies().ListPolicies());
  core::Response resp = core::Response::ListResponse(names);
  if (IsLegacyPolicyPath(req)) resp.data["policies"] = names;
  return resp;
}

HandlerResult SystemBackend::ReadPolicy(core::Request& req, FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(auto policy, core_.Policies().GetPolicy(d.GetString("name")));
  if (policy == nullptr) return Err(NotFound(""));
  const char* field = IsLegacyPolicyPath(req) ? "rules" : "policy";
  return core::Response::WithData({{"name", policy->name}, {field, policy->raw}});
}

HandlerResult SystemBackend::WritePolicy(core::Request& req, FieldData& d) {
  core::Response resp;
  std::string raw_name = d.GetString("name");
  std::string name = Lower(raw_name);
  if (name.empty()) return Err(InvalidArgument("policy name must be provided in the URL"));
  if (name != raw_name) resp.warnings.push_back("policy name was converted to " + name);
  std::string text = d.GetString("policy");
  if (text.empty() && IsLegacyPolicyPath(req)) {
    text = d.GetString("rules");
    resp.warnings.push_back("'rules' is deprecated, please use 'policy' instead");
  }
  if (text.empty()) return Err(InvalidArgument("'policy' parameter not supplied or empty"));
  // Vault accepts the policy base64-encoded, trying a decode first.
  if (auto decoded = crypto::Base64Decode(text)) text = std::move(*decoded);
  COFFER_RETURN_IF_ERROR(core_.Policies().SetPolicy(name, text));
  return resp;
}

HandlerResult SystemBackend::DeletePolicy(core::Request&, FieldData& d) {
  COFFER_RETURN_IF_ERROR(core_.Policies().DeletePolicy(d.GetString("name")));
  return core::Response{};
}

}  // namespace coffer::engines::sys
