// auth/token/lookup, lookup-self, lookup-accessor and accessors (Vault's handleLookup,
// handleLookupSelf, handleUpdateLookupAccessor, tokenStoreAccessorList).

#include "auth/token/token_methods.h"
#include "core/core_impl.h"

namespace coffer::auth::token {

using core::Operation;
using framework::FieldType;

std::vector<framework::Path> TokenBackend::LookupPaths() {
  framework::Path lookup;
  lookup.pattern = "lookup/?$";
  lookup.fields = {{"token", {FieldType::kString}}};
  auto by_token = [this](core::Request& r, FieldData& d) {
    std::string token = d.GetString("token");
    return Lookup(token.empty() ? r.client_token : token);
  };
  lookup.operations[Operation::kRead] = by_token;
  lookup.operations[Operation::kUpdate] = by_token;
  lookup.help_synopsis = "This endpoint will lookup a token and its properties.";

  framework::Path self;
  self.pattern = "lookup-self/?$";
  self.fields = {{"token", {FieldType::kString}}};
  // The caller's own entry, also on the request that takes its last use.
  auto own = [this](core::Request& r, FieldData&) -> HandlerResult {
    COFFER_ASSIGN_OR_RETURN(auto entry, Caller(r));
    if (!entry) return Err(PermissionDenied("bad token"));
    return core::Response::WithData(entry->LookupData(core_.GetClock()));
  };
  self.operations[Operation::kRead] = own;
  self.operations[Operation::kUpdate] = own;
  self.help_synopsis = "This endpoint will lookup a token and its properties.";

  framework::Path accessor;
  accessor.pattern = "lookup-accessor/?$";
  accessor.fields = {{"accessor", {FieldType::kString}}};
  accessor.operations[Operation::kUpdate] = [this](core::Request&, FieldData& d) {
    return LookupAccessor(d);
  };
  accessor.help_synopsis = "This endpoint will lookup a token associated with the given accessor";

  framework::Path list;
  list.pattern = "accessors/?$";
  list.operations[Operation::kList] = [this](core::Request&, FieldData&) {
    return ListAccessors();
  };
  list.help_synopsis = "List token accessors, which can then be used to manage tokens.";
  return {std::move(lookup), std::move(self), std::move(accessor), std::move(list)};
}

HandlerResult TokenBackend::Lookup(const std::string& token) {
  if (token.empty()) return Err(InvalidArgument("missing token ID"));
  COFFER_ASSIGN_OR_RETURN(auto entry, core_.Tokens().Lookup(token));
  if (!entry) return Err(PermissionDenied("bad token"));
  return core::Response::WithData(entry->LookupData(core_.GetClock()));
}

HandlerResult TokenBackend::LookupAccessor(FieldData& d) {
  std::string accessor = d.GetString("accessor");
  if (accessor.empty()) return Err(InvalidArgument("missing accessor"));
  COFFER_ASSIGN_OR_RETURN(auto entry, core_.Tokens().LookupByAccessor(accessor));
  if (!entry) return Err(InvalidArgument("invalid accessor"));
  Json data = entry->LookupData(core_.GetClock());
  data["id"] = "";  // an accessor never reveals its token
  return core::Response::WithData(std::move(data));
}

HandlerResult TokenBackend::ListAccessors() {
  COFFER_ASSIGN_OR_RETURN(auto accessors, AllAccessors(/*drop_dangling=*/false));
  return core::Response::ListResponse(std::move(accessors));
}

}  // namespace coffer::auth::token
