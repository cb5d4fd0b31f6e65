#include "hcl/lexer.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace coffer::hcl::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c) || c == '-' || c == '.'; }
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Lexer {
 public:
  Lexer(std::string_view text, std::string_view filename) : text_(text), filename_(filename) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);  // UTF-8 BOM
  }

  Result<std::vector<Token>> Run() {
    std::vector<Token> out;
    while (true) {
      Status st = SkipSpaceAndComments();
      if (!st.ok()) return Err(st);
      Token t;
      t.line = line_;
      t.col = col_;
      if (AtEnd()) {
        out.push_back(std::move(t));
        return out;
      }
      st = LexToken(&t);
      if (!st.ok()) return Err(st);
      out.push_back(std::move(t));
    }
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void Advance() {
    char c = text_[pos_++];
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++col_;  // count characters, not UTF-8 continuation bytes
    }
  }
  Status Error(int line, int col, std::string_view msg) const {
    return SyntaxError(filename_, line, col, msg);
  }

  Status SkipSpaceAndComments();
  Status LexToken(Token* t);
  Status LexString(Token* t);
  Status LexEscape(std::string* out);
  Status LexHeredoc(Token* t);
  Status LexNumber(Token* t);

  std::string_view text_;
  std::string_view filename_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
};

Status Lexer::SkipSpaceAndComments() {
  while (!AtEnd()) {
    char c = Peek();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      Advance();
    } else if (c == '#' || (c == '/' && Peek(1) == '/')) {
      while (!AtEnd() && Peek() != '\n') Advance();
    } else if (c == '/' && Peek(1) == '*') {
      int line = line_, col = col_;
      Advance();
      Advance();
      while (!AtEnd() && !(Peek() == '*' && Peek(1) == '/')) Advance();
      if (AtEnd()) return Error(line, col, "comment not terminated (missing */)");
      Advance();
      Advance();
    } else {
      break;
    }
  }
  return Status::Ok();
}

Status Lexer::LexToken(Token* t) {
  char c = Peek();
  auto single = [&](TokenKind k) {
    t->kind = k;
    t->text = std::string(1, c);
    Advance();
    return Status::Ok();
  };
  switch (c) {
    case '{':
      return single(TokenKind::kLBrace);
    case '}':
      return single(TokenKind::kRBrace);
    case '[':
      return single(TokenKind::kLBracket);
    case ']':
      return single(TokenKind::kRBracket);
    case '=':
    case ':':
      return single(TokenKind::kAssign);
    case ',':
      return single(TokenKind::kComma);
    case '"':
      return LexString(t);
    default:
      break;
  }
  if (c == '<' && Peek(1) == '<') return LexHeredoc(t);
  if (IsDigit(c) || (c == '-' && IsDigit(Peek(1))) || (c == '.' && IsDigit(Peek(1)))) {
    return LexNumber(t);
  }
  if (IsIdentStart(c)) {
    size_t start = pos_;
    while (!AtEnd() && IsIdentChar(Peek())) Advance();
    t->text = std::string(text_.substr(start, pos_ - start));
    if (t->text == "true" || t->text == "false") {
      t->kind = TokenKind::kBool;
      t->value = (t->text == "true");
    } else {
      t->kind = TokenKind::kIdent;
    }
    return Status::Ok();
  }
  std::string shown = static_cast<unsigned char>(c) < 0x20
                          ? "control character"
                          : "character '" + std::string(1, c) + "'";
  if (c == '\'') shown += " (strings use double quotes)";
  return Error(line_, col_, "unexpected " + shown);
}

Status Lexer::LexString(Token* t) {
  int line = line_, col = col_;
  Advance();  // opening quote
  std::string out;
  while (true) {
    if (AtEnd() || Peek() == '\n') {
      return Error(line, col, "unterminated string (missing closing '\"' on this line)");
    }
    char c = Peek();
    if (c == '"') {
      Advance();
      break;
    }
    if (c == '\\') {
      HCL_RETURN_IF_ERROR(LexEscape(&out));
      continue;
    }
    out.push_back(c);
    Advance();
  }
  t->kind = TokenKind::kString;
  t->text = out;
  t->value = std::move(out);
  return Status::Ok();
}

// Go string escapes: \a \b \f \n \r \t \v \\ \" \/ \xHH \NNN (octal) \uXXXX \UXXXXXXXX.
Status Lexer::LexEscape(std::string* out) {
  int line = line_, col = col_;
  Advance();  // backslash
  if (AtEnd() || Peek() == '\n') return Error(line, col, "unterminated escape sequence");
  char c = Peek();
  Advance();
  switch (c) {
    // clang-format off
    case 'a': out->push_back('\a'); return Status::Ok();
    case 'b': out->push_back('\b'); return Status::Ok();
    case 'f': out->push_back('\f'); return Status::Ok();
    case 'n': out->push_back('\n'); return Status::Ok();
    case 'r': out->push_back('\r'); return Status::Ok();
    case 't': out->push_back('\t'); return Status::Ok();
    case 'v': out->push_back('\v'); return Status::Ok();
    case '\\': case '"': case '/': out->push_back(c); return Status::Ok();
    // clang-format on
    default:
      break;
  }
  int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
  if (digits > 0) {
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      if (!IsHexDigit(Peek())) return Error(line, col, std::string("invalid \\") + c + " escape");
      v = v * 16 + static_cast<uint32_t>(HexValue(Peek()));
      Advance();
    }
    if (c == 'x') {
      out->push_back(static_cast<char>(v));
    } else if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
      return Error(line, col, "escape is not a valid Unicode code point");
    } else {
      AppendUtf8(out, v);
    }
    return Status::Ok();
  }
  if (c >= '0' && c <= '7') {
    uint32_t v = static_cast<uint32_t>(c - '0');
    for (int i = 0; i < 2; ++i) {
      if (Peek() < '0' || Peek() > '7') return Error(line, col, "invalid octal escape");
      v = v * 8 + static_cast<uint32_t>(Peek() - '0');
      Advance();
    }
    if (v > 255) return Error(line, col, "octal escape value > 255");
    out->push_back(static_cast<char>(v));
    return Status::Ok();
  }
  return Error(line, col, std::string("invalid escape sequence \\") + c);
}

// <<EOF / <<-EOF heredocs. The closing line holds only the marker (optionally indented).
// With <<- every line loses the closing marker's indentation when all lines share it.
Status Lexer::LexHeredoc(Token* t) {
  int line = line_, col = col_;
  Advance();
  Advance();
  bool indent = Peek() == '-';
  if (indent) Advance();
  size_t start = pos_;
  while (!AtEnd() && (IsIdentStart(Peek()) || IsDigit(Peek()))) Advance();
  std::string marker(text_.substr(start, pos_ - start));
  if (Peek() == '\r') Advance();
  if (marker.empty() || Peek() != '\n') {
    return Error(line, col, "heredoc needs a marker and a line break, like <<EOF");
  }
  Advance();
  std::vector<std::string_view> lines;
  std::string_view prefix;
  bool closed = false;
  while (!AtEnd() && !closed) {
    size_t ls = pos_;
    while (!AtEnd() && Peek() != '\n') Advance();
    std::string_view l = text_.substr(ls, pos_ - ls);
    if (!AtEnd()) Advance();
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    size_t ws = l.find_first_not_of(" \t");
    if (ws != std::string_view::npos && l.substr(ws) == marker) {
      prefix = l.substr(0, ws);
      closed = true;
    } else {
      lines.push_back(l);
    }
  }
  if (!closed) return Error(line, col, "heredoc not terminated (missing \"" + marker + "\" line)");
  bool strip = indent && !prefix.empty();
  for (std::string_view l : lines) strip &= l.empty() || l.substr(0, prefix.size()) == prefix;
  std::string out;
  for (std::string_view l : lines) {
    if (strip && !l.empty()) l.remove_prefix(prefix.size());
    out.append(l);
    out.push_back('\n');
  }
  t->kind = TokenKind::kString;
  t->text = out;
  t->value = std::move(out);
  return Status::Ok();
}

// Integers are decimal, 0x hex or 0-prefixed octal (as HCL v1's strconv.ParseInt base 0);
// a '.' or an exponent makes a float.
Status Lexer::LexNumber(Token* t) {
  int line = line_, col = col_;
  size_t start = pos_;
  if (Peek() == '-') Advance();
  bool is_float = false, hex = false;
  if (Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X')) {
    hex = true;
    Advance();
    Advance();
    while (IsHexDigit(Peek())) Advance();
  } else {
    while (IsDigit(Peek())) Advance();
    if (Peek() == '.' && IsDigit(Peek(1))) {
      is_float = true;
      Advance();
      while (IsDigit(Peek())) Advance();
    }
    if (Peek() == 'e' || Peek() == 'E') {
      is_float = true;
      Advance();
      if (Peek() == '+' || Peek() == '-') Advance();
      if (!IsDigit(Peek())) return Error(line, col, "invalid number: missing exponent digits");
      while (IsDigit(Peek())) Advance();
    }
  }
  std::string s(text_.substr(start, pos_ - start));
  if (IsIdentChar(Peek()) || (hex && s.size() <= (s[0] == '-' ? 3u : 2u))) {
    while (IsIdentChar(Peek())) Advance();
    return Error(line, col,
                 "invalid number \"" + std::string(text_.substr(start, pos_ - start)) + "\"");
  }
  t->kind = TokenKind::kNumber;
  t->text = s;
  errno = 0;
  char* end = nullptr;
  if (is_float) {
    double d = std::strtod(s.c_str(), &end);
    if (errno == ERANGE) return Error(line, col, "number out of range: " + s);
    t->value = d;
    return Status::Ok();
  }
  size_t digits_at = s[0] == '-' ? 1 : 0;
  bool octal = !hex && s.size() > digits_at + 1 && s[digits_at] == '0';
  long long v = std::strtoll(s.c_str(), &end, hex ? 16 : octal ? 8 : 10);
  if (errno == ERANGE) return Error(line, col, "number out of range: " + s);
  if (*end != '\0') return Error(line, col, "invalid octal number " + s);
  t->value = static_cast<int64_t>(v);
  return Status::Ok();
}

}  // namespace

Status SyntaxError(std::string_view filename, int line, int col, std::string_view message) {
  return InvalidArgument(std::string(filename) + ":" + std::to_string(line) + ":" +
                         std::to_string(col) + ": " + std::string(message));
}

Result<std::vector<Token>> Tokenize(std::string_view text, std::string_view filename) {
  return Lexer(text, filename).Run();
}

std::string Describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kIdent:
      return "identifier \"" + t.text + "\"";
    case TokenKind::kString:
      return "string \"" + (t.text.size() > 40 ? t.text.substr(0, 40) + "..." : t.text) + "\"";
    case TokenKind::kNumber:
      return "number " + t.text;
    case TokenKind::kBool:
      return t.text;
    case TokenKind::kEof:
      return "end of input";
    default:
      return "'" + t.text + "'";
  }
}

}  // namespace coffer::hcl::internal
