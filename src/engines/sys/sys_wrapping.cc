// sys/wrapping/wrap, unwrap, lookup, rewrap (Vault's handleWrappingWrap/Unwrap/Lookup/
// Rewrap). Core stores and takes the wrapped responses (core_wrapping.cc).

#include "core/core_impl.h"
#include "engines/sys/system_backend.h"

namespace coffer::engines::sys {

using core::Operation;
using framework::FieldType;

std::vector<framework::Path> SystemBackend::WrappingPaths() {
  std::vector<framework::Path> paths;
  {
    framework::Path p;
    p.pattern = "wrapping/wrap$";
    p.operations[Operation::kUpdate] = [](core::Request& req, FieldData&) -> HandlerResult {
      if (req.wrap_ttl.count() <= 0)
        return Err(InvalidArgument("endpoint requires response wrapping to be used"));
      if (!req.data.is_object() || req.data.empty())
        return Err(InvalidArgument("no data provided"));
      return core::Response::WithData(req.data);
    };
    p.help_synopsis = "Response-wraps an arbitrary JSON object.";
    paths.push_back(std::move(p));
  }
  {
    framework::Path p;
    p.pattern = "wrapping/unwrap$";
    p.fields = {{"token", {FieldType::kString}}};
    p.operations[Operation::kUpdate] = [this](core::Request& req, FieldData& d) {
      return core_.Unwrap(req, d.GetString("token"));
    };
    p.help_synopsis = "Unwraps a response-wrapped token.";
    paths.push_back(std::move(p));
  }
  {
    framework::Path p;
    p.pattern = "wrapping/lookup$";
    p.fields = {{"token", {FieldType::kString}}};
    auto lookup = [this](core::Request& req, FieldData& d) -> HandlerResult {
      std::string token = d.GetString("token");
      if (token.empty()) token = req.client_token;
      if (token.empty()) return Err(InvalidArgument("missing \"token\" value in input"));
      COFFER_ASSIGN_OR_RETURN(Json info, core_.WrapLookup(token));
      return core::Response::WithData(std::move(info));
    };
    p.operations[Operation::kUpdate] = lookup;
    p.operations[Operation::kRead] = lookup;
    p.help_synopsis = "Looks up the properties of a response-wrapped token.";
    paths.push_back(std::move(p));
  }
  {
    framework::Path p;
    p.pattern = "wrapping/rewrap$";
    p.fields = {{"token", {FieldType::kString}}};
    p.operations[Operation::kUpdate] = [this](core::Request& req, FieldData& d) {
      return core_.Rewrap(req, d.GetString("token"));
    };
    p.help_synopsis = "Rotates a response-wrapped token.";
    paths.push_back(std::move(p));
  }
  return paths;
}

}  // namespace coffer::engines::sys
