#pragma once
// JSON values are nlohmann::json throughout (request and response bodies, HCL output,
// stored entries). Helpers here read typed fields the way Vault's mapstructure does.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace coffer {

using Json = nlohmann::json;

// Parses text as JSON without throwing.
Result<Json> ParseJson(std::string_view text);

// Vault accepts "a,b,c" or ["a","b"] for string lists; returns trimmed, non-empty items.
Result<std::vector<std::string>> JsonToStringList(const Json& v);

// The strings of the array at j[key] (non-strings skipped); empty when absent. For stored
// entries, whose shape this program wrote.
std::vector<std::string> StringArrayField(const Json& j, const char* key);

// `s` without leading and trailing whitespace.
std::string TrimSpace(std::string_view s);

// Accepts true/false, "true"/"false"/"1"/"0" and numbers, as Vault's weak decoding does.
Result<bool> JsonToBool(const Json& v);

// Accepts numbers and numeric strings.
Result<int64_t> JsonToInt(const Json& v);

}  // namespace coffer
