#pragma once
// Internal to hcl/: the HCL v1 tokenizer. Newlines are not significant (HCL v1 separates
// items by their shape, not by line ends), so they are skipped like other whitespace.

#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

// Returns early from a function returning Status when `expr` is not ok.
#define HCL_RETURN_IF_ERROR(expr)  \
  do {                             \
    ::coffer::Status _st = (expr); \
    if (!_st.ok()) return _st;     \
  } while (0)

namespace coffer::hcl::internal {

enum class TokenKind {
  kIdent,     // foo, foo.bar, foo-bar, _x
  kString,    // "..." or a heredoc; `value` holds the decoded text
  kNumber,    // 1, -2, 0x1F, 1.5, 1e3; `value` holds the int64 or double
  kBool,      // true / false
  kLBrace,    // {
  kRBrace,    // }
  kLBracket,  // [
  kRBracket,  // ]
  kAssign,    // = or :
  kComma,     // ,
  kEof,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string text;  // identifier name, or the decoded string (also in `value`)
  Json value;        // literal value for kString, kNumber, kBool
  int line = 0;      // 1-based
  int col = 0;       // 1-based, in characters
};

// Splits `text` into tokens ending with one kEof token (positioned at the end of input).
// Errors read "<filename>:<line>:<col>: <message>".
Result<std::vector<Token>> Tokenize(std::string_view text, std::string_view filename);

// A short human description of a token for error messages: `identifier "foo"`, `'}'`.
std::string Describe(const Token& t);

// "<filename>:<line>:<col>: <message>" as an InvalidArgument status.
Status SyntaxError(std::string_view filename, int line, int col, std::string_view message);

}  // namespace coffer::hcl::internal
