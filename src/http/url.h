#pragma once
// Splitting and decoding of request targets ("/v1/secret/foo%2Fbar?list=true&a=b").
// Pure functions; no allocation beyond the returned values.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coffer::http {

using QueryList = std::vector<std::pair<std::string, std::string>>;

// Decodes %XX escapes; with plus_is_space, '+' becomes ' ' (query strings, forms).
// nullopt when an escape is malformed ("%4", "%zz").
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);

// Parses "a=1&b=2&b=3&flag" (application/x-www-form-urlencoded) in order. Empty pairs
// are skipped; a key without '=' has an empty value. nullopt on a malformed escape.
std::optional<QueryList> ParseQuery(std::string_view query);

// The first value of `key` in q, or nullopt when absent.
std::optional<std::string> QueryValue(const QueryList& q, std::string_view key);

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
std::optional<bool> ParseGoBool(std::string_view s);

}  // namespace coffer::http
