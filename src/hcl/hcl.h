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

#include <map>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"

namespace coffer::hcl {

struct Document {
  Json value;  // always an object at the top level
  // Source line (1-based) of each value by JSON pointer ("/listener/0/tcp/address").
  std::map<std::string, int> lines;

  // Line of the value at `pointer`, or of its closest ancestor; 0 if unknown.
  int LineOf(const std::string& pointer) const;
};

// Parses HCL text. On a syntax error the Status message is
// "<filename>:<line>:<col>: <what went wrong>".
Result<Document> Parse(std::string_view text, std::string_view filename = "<input>");

// Parses JSON text into a Document (lines are recorded as 0 except for the top-level
// keys, which get the line on which they appear), so configs may be written in JSON.
Result<Document> ParseJsonDocument(std::string_view text, std::string_view filename = "<input>");

}  // namespace coffer::hcl
