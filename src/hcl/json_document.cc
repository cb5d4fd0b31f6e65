// ParseJsonDocument: nlohmann parses and validates the text; a small walker over the same
// (now known-valid) text records the line of every member and element and rejects keys
// repeated within one object.

#include <exception>
#include <map>
#include <set>

#include "hcl/hcl.h"
#include "hcl/lexer.h"

namespace coffer::hcl {
namespace {

// Rejects nesting deeper than kMaxDepth before any recursive code sees the text.
Status CheckDepth(std::string_view text, std::string_view filename) {
  int depth = 0, line = 1, col = 1;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth)
        return internal::SyntaxError(filename, line, col, "nesting too deep");
    } else if (c == '}' || c == ']') {
      --depth;
    }
    if (c == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++col;
    }
  }
  return Status::Ok();
}

class LineWalker {
 public:
  LineWalker(std::string_view text, std::string_view filename, std::map<std::string, int>* lines)
      : text_(text), filename_(filename), lines_(lines) {}

  Status Walk() {
    SkipSpace();
    if (Peek() != '{') return Error("expected a JSON object at the top level");
    return Value("");
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void Advance() {
    char c = text_[pos_++];
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++col_;
    }
  }
  void SkipSpace() {
    while (Peek() == ' ' || Peek() == '\t' || Peek() == '\r' || Peek() == '\n') Advance();
  }
  Status Error(std::string_view msg) const {
    return internal::SyntaxError(filename_, line_, col_, msg);
  }

  // Consumes a string literal and returns its decoded value.
  std::string ReadString() {
    size_t start = pos_;
    Advance();
    while (Peek() != '"') {
      if (Peek() == '\\') Advance();
      Advance();
    }
    Advance();
    Json s = Json::parse(text_.substr(start, pos_ - start), nullptr, /*allow_exceptions=*/false);
    return s.is_string() ? s.get<std::string>() : std::string();
  }

  Status Value(const std::string& ptr) {
    char c = Peek();
    if (c == '{') return Object(ptr);
    if (c == '[') return Array(ptr);
    if (c == '"') {
      ReadString();
      return Status::Ok();
    }
    while (pos_ < text_.size() &&
           std::string_view(",]} \t\r\n").find(Peek()) == std::string::npos) {
      Advance();  // number, true, false, null
    }
    return Status::Ok();
  }

  Status Object(const std::string& ptr) {
    Advance();  // {
    std::map<std::string, int> seen;
    SkipSpace();
    while (Peek() != '}') {
      if (Peek() == ',') Advance();
      SkipSpace();
      int line = line_, col = col_;
      std::string key = ReadString();
      auto [it, inserted] = seen.emplace(key, line);
      if (!inserted) {
        return internal::SyntaxError(
            filename_, line, col,
            "duplicate key \"" + key + "\" (first set on line " + std::to_string(it->second) + ")");
      }
      std::string child = JoinPointer(ptr, key);
      lines_->emplace(child, line);
      SkipSpace();
      Advance();  // :
      SkipSpace();
      HCL_RETURN_IF_ERROR(Value(child));
      SkipSpace();
    }
    Advance();  // }
    return Status::Ok();
  }

  Status Array(const std::string& ptr) {
    Advance();  // [
    SkipSpace();
    size_t index = 0;
    while (Peek() != ']') {
      if (Peek() == ',') Advance();
      SkipSpace();
      std::string child = JoinPointer(ptr, index++);
      lines_->emplace(child, line_);
      HCL_RETURN_IF_ERROR(Value(child));
      SkipSpace();
    }
    Advance();  // ]
    return Status::Ok();
  }

  std::string_view text_;
  std::string_view filename_;
  std::map<std::string, int>* lines_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
};

// Line and column (1-based, in characters) of byte offset `offset` in `text`.
std::pair<int, int> Position(std::string_view text, size_t offset) {
  int line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  return {line, col};
}

}  // namespace

Result<Document> ParseJsonDocument(std::string_view text, std::string_view filename) {
  Status st = CheckDepth(text, filename);
  if (!st.ok()) return Err(st);
  Document doc;
  try {
    doc.value = Json::parse(text);
  } catch (const Json::parse_error& e) {
    // nlohmann's e.byte is 1-based and points at the last character read.
    auto [line, col] = Position(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    size_t at = what.find("column ");
    size_t colon = what.find(": ", at == std::string::npos ? 0 : at);
    std::string msg = colon == std::string::npos ? what : what.substr(colon + 2);
    return Err(internal::SyntaxError(filename, line, col, "invalid JSON: " + msg));
  } catch (const std::exception& e) {
    return Err(internal::SyntaxError(filename, 1, 1, std::string("invalid JSON: ") + e.what()));
  }
  st = LineWalker(text, filename, &doc.lines).Walk();
  if (!st.ok()) return Err(st);
  return doc;
}

}  // namespace coffer::hcl
