#pragma once
// HCL (HashiCorp Configuration Language, the v1 syntax Vault's config and policies use)
// parsed into a JSON value plus the source line of every value, so config/ and
// core/policy/ can report "file:line: key" errors.
//
// Mapping to JSON:
//   a = 1                       -> {"a": 1}
//   block "l1" "l2" { b = 2 }   -> {"block": [{"l1": {"l2": {"b": 2}}}]}
//   block { b = 2 }             -> {"block": [{"b": 2}]}
// Every block occurrence appends one element to the array under its name, so repeated
// blocks (two `listener "tcp"`) keep their order. A repeated attribute is an error.
// Also supported: # // /* */ comments, heredocs (<<EOF, <<-EOF), lists with trailing
// commas, nested objects `a = { b = 1 }`, numbers (int, float, hex), true/false,
// strings with Go escapes, and `key: value` / `"quoted key" = v`.
// Block labels may be quoted strings or bare identifiers (`listener tcp { }`).
// Integers become int64 (0x hex; a leading 0 means octal, as in HCL v1); floats double.
// A heredoc's value ends with a newline; <<- removes the closing marker's indentation
// from every line when all non-empty lines share it.
// Nesting deeper than kMaxDepth is an error (policies arrive over the API).
//
// Thread-safety: all functions are pure; Document is a plain value.

#include <map>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"

namespace coffer::hcl {

inline constexpr int kMaxDepth = 64;

struct Document {
  Json value;  // always an object at the top level
  // Source line (1-based) of each value by JSON pointer ("/listener/0/tcp/address").
  std::map<std::string, int> lines;

  // Line of the value at `pointer`, or of its closest ancestor; 0 if unknown.
  int LineOf(const std::string& pointer) const;
};

// Appends one reference token to a JSON pointer, escaping '~' and '/' (RFC 6901):
// JoinPointer("/path/0", "secret/data/*") == "/path/0/secret~1data~1*".
std::string JoinPointer(std::string_view base, std::string_view token);
std::string JoinPointer(std::string_view base, size_t index);

// Parses HCL text. On a syntax error the Status message is
// "<filename>:<line>:<col>: <what went wrong>".
Result<Document> Parse(std::string_view text, std::string_view filename = "<input>");

// Parses JSON text into a Document, so configs and policies may be written in JSON.
// Every object member and array element gets the line on which it starts. The top level
// must be an object; a key repeated within one object is an error (as in HCL). Errors
// read "<filename>:<line>:<col>: <message>".
Result<Document> ParseJsonDocument(std::string_view text, std::string_view filename = "<input>");

}  // namespace coffer::hcl
