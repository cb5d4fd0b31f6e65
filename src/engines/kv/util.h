#pragma once
// Small request/response helpers shared by the K/V engines (and cubbyhole).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "core/logical.h"
#include "framework/backend.h"
#include "framework/field_data.h"

namespace coffer::engines::kv {

using framework::Bind;

// Vault's logical.RespondWithStatusCode: `data` rendered in the normal envelope, but with
// HTTP status `status` (e.g. a 404 that still carries a deleted version's metadata).
core::Response WithStatus(int status, Json data, std::vector<std::string> warnings = {});

// "Nothing here": a 404 with an empty error list, what Vault answers when a read handler
// returns no response.
tl::unexpected<Status> NoResponse();

// An integer parameter from the body or, for GET/LIST, the query string; `fallback` when
// absent. InvalidArgument naming the parameter when it is not an integer.
Result<int64_t> IntParam(const core::Request& req, const framework::FieldData& d,
                         const std::string& name, int64_t fallback = 0);

// Vault's TypeCommaIntSlice: [1, "2"], "1,2", or 3.
Result<std::vector<uint64_t>> ParseVersionList(const Json& raw);

// A folder path for List: "" stays "", otherwise ensure one trailing '/'.
std::string AsFolder(std::string path);

}  // namespace coffer::engines::kv
