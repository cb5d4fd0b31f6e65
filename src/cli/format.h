#pragma once
// Output formatting as Vault's CLI does it (command/format.go): the two-column "Key  Value"
// table with a dashed underline, JSON indented by two spaces, and YAML. Values in tables are
// rendered the way Go's %v renders decoded JSON ("[a b]", "map[k:v]", "<nil>"), and fields
// that look like TTLs are shown as durations ("768h", "1m30s").
// Pure functions over Json values: no I/O here.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"

namespace coffer::cli {

// The output formats accepted by -format; "yml" is an alias of "yaml".
bool IsValidFormat(std::string_view format);

// Go's %v of a decoded JSON value.
std::string GoValue(const Json& v);
// Go's %q of a string list: ["a" "b"]. Non-arrays render as GoValue.
std::string GoQuotedList(const Json& v);
// Vault's humanDuration: Go's Duration.String() without trailing zero units ("1h", "1m30s").
std::string HumanDuration(int64_t seconds);
// An integer is shown as HumanDuration; anything else as GoValue.
std::string HumanDurationValue(const Json& v);
// Go's time.Time String() of an RFC 3339 timestamp, as Vault prints a decoded time:
// "2024-01-02 15:04:05.5 +0000 UTC" from "2024-01-02T15:04:05.500Z". An offset other than
// Z prints as Go's fixed zone ("-0500 -0500"), or with the local zone's abbreviation when
// the local zone had that offset at that time. Text that is not RFC 3339 is returned as is.
std::string GoTimeString(std::string_view rfc3339);
// Keys whose integer values are seconds: ttl, *_ttl, period, *_period, duration, ...
bool LooksLikeDuration(std::string_view key);

using Rows = std::vector<std::vector<std::string>>;
// ryanuber/columnize as Vault configures it: cells trimmed, empty cells shown as "n/a",
// columns left-aligned and separated by four spaces. No trailing newline.
std::string Columnize(const Rows& rows);
// Columnize with rows[0] as the header and a dashed underline beneath it.
std::string TableOutput(Rows rows);

// Vault's TableFormatter.OutputSecret: lease rows, auth rows, wrap rows, then data sorted by
// key. "" when there is nothing to show.
std::string SecretTable(const Json& secret);
// A "Key Value" table of an object's entries, sorted; "" for an empty object.
std::string MapTable(const Json& object);
// "Keys\n----\n..." of a list of strings, sorted. With key_info (an object keyed like the
// list), adds one column per info field, as `vault list -detailed` does.
std::string ListTable(const Json& keys, const Json* key_info = nullptr);
// "WARNING! The following warnings were returned from Vault:" block, or "" when none.
std::string WarningsText(const Json& secret);

std::string FormatJson(const Json& v);  // two-space indent, invalid UTF-8 replaced
std::string FormatYaml(const Json& v);  // block style, keys sorted, no trailing newline

// A value for -field: the string itself for table/raw format, else JSON or YAML.
std::string FormatFieldValue(const Json& v, std::string_view format);

// Vault's RawField: auth fields (token, token_accessor, ...), wrap fields
// (wrapping_token, ...), lease fields, else data[field]. nullopt when absent or null.
std::optional<Json> SecretField(const Json& secret, std::string_view field);

// "== Header ==" padded to total_len with '=' on both sides (Vault's padEqualSigns).
std::string PadEqualSigns(std::string_view header, size_t total_len);
// The header above a map table: wide enough for the longest key plus "Value".
std::string HeaderForMap(std::string_view header, const Json& object);

// Word-wraps text at 78 columns, indenting each line by pad spaces (wrapAtLengthWithPadding).
std::string WrapAtLength(std::string_view text, size_t pad = 0);

// Safe accessors: no exceptions on missing keys or mismatched types.
const Json* Find(const Json& object, std::string_view key);
Json GetJson(const Json& object, std::string_view key);  // a copy, or null
std::string GetString(const Json& object, std::string_view key, std::string fallback = "");
int64_t GetInt(const Json& object, std::string_view key, int64_t fallback = 0);
bool GetBool(const Json& object, std::string_view key, bool fallback = false);

}  // namespace coffer::cli
