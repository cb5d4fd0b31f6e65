#pragma once
// FormatPolicyText: the interim `policy fmt`. Re-indents HCL by brace/bracket depth (two
// spaces per level), trims trailing whitespace, and collapses runs of blank lines. It does
// not parse HCL: strings, heredocs and comments are skipped when counting depth, and
// unbalanced braces are an error. To be replaced by a printer over hcl/'s parser.

#include <string>
#include <string_view>

#include "base/status.h"

namespace coffer::cli {

Result<std::string> FormatPolicyText(std::string_view text);

}  // namespace coffer::cli
