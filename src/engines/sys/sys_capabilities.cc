// sys/capabilities, sys/capabilities-self, sys/capabilities-accessor: what a token may do
// on each of the given paths. The response has one key per path and, when exactly one
// path was asked, also "capabilities" (Vault keeps it for backwards compatibility).
// Vault: handleCapabilities, handleCapabilitiesAccessor.

#include "core/core_impl.h"
#include "engines/sys/system_backend.h"

namespace coffer::engines::sys {

using core::Operation;
using framework::FieldType;

namespace {

framework::FieldSchemas CapabilityFields() {
  return {{"token", {FieldType::kString}},
          {"accessor", {FieldType::kString}},
          {"path", {FieldType::kCommaStringSlice}},
          {"paths", {FieldType::kCommaStringSlice}}};
}

}  // namespace

std::vector<framework::Path> SystemBackend::CapabilitiesPaths() {
  std::vector<framework::Path> paths;
  for (const char* pattern : {"capabilities-accessor$", "capabilities$", "capabilities-self$"}) {
    framework::Path p;
    p.pattern = pattern;
    p.fields = CapabilityFields();
    bool by_accessor = std::string_view(pattern) == "capabilities-accessor$";
    p.operations[Operation::kUpdate] = [this, by_accessor](core::Request& r, FieldData& d) {
      return by_accessor ? CapabilitiesAccessor(r, d) : Capabilities(r, d);
    };
    p.help_synopsis = "Fetches the capabilities of the given token on the given path.";
    paths.push_back(std::move(p));
  }
  return paths;
}

HandlerResult SystemBackend::Capabilities(core::Request& req, FieldData& d) {
  bool self =
      req.path.size() >= 17 && req.path.compare(req.path.size() - 17, 17, "capabilities-self") == 0;
  std::string token = self ? req.client_token : d.GetString("token");
  if (token.empty()) return Err(Internal("no token found"));
  COFFER_ASSIGN_OR_RETURN(auto entry, core_.Tokens().Lookup(token));
  if (!entry) {
    if (self) return Err(PermissionDenied());
    return Err(InvalidArgument("invalid token"));
  }
  return CapabilitiesOf(*entry, d);
}

HandlerResult SystemBackend::CapabilitiesAccessor(core::Request&, FieldData& d) {
  std::string accessor = d.GetString("accessor");
  if (accessor.empty()) return Err(InvalidArgument("missing accessor"));
  COFFER_ASSIGN_OR_RETURN(auto entry, core_.Tokens().LookupByAccessor(accessor));
  if (!entry) return Err(InvalidArgument("invalid accessor"));
  return CapabilitiesOf(*entry, d);
}

HandlerResult SystemBackend::CapabilitiesOf(const core::TokenEntry& token, FieldData& d) {
  std::vector<std::string> paths = d.GetStringSlice("paths");
  if (paths.empty()) paths = d.GetStringSlice("path");  // deprecated field
  if (paths.empty()) return Err(InvalidArgument("paths must be supplied"));
  Json data = Json::object();
  for (const auto& path : paths) {
    COFFER_ASSIGN_OR_RETURN(auto caps, core_.Capabilities(token, path));
    data[path] = caps;
  }
  if (paths.size() == 1) data["capabilities"] = data[paths[0]];
  return core::Response::WithData(std::move(data));
}

}  // namespace coffer::engines::sys
