// Recursive-descent parser from HCL tokens to a JSON value (mapping described in hcl.h).
//
//   body   := (item [','])*
//   item   := key ('=' | ':') value  |  key label* '{' body '}'
//   key    := IDENT | STRING          label := IDENT | STRING
//   value  := STRING | NUMBER | BOOL | '[' [value (',' value)* [',']] ']' | '{' body '}'

#include <exception>
#include <map>
#include <utility>

#include "hcl/hcl.h"
#include "hcl/lexer.h"

namespace coffer::hcl {
namespace {

using internal::Token;
using internal::TokenKind;

// What an item key was first used for in one object, to reject repeats and conflicts.
struct KeyUse {
  bool block = false;
  int line = 0;
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string_view filename)
      : tokens_(std::move(tokens)), filename_(filename) {}

  Result<Document> Run() {
    Document doc;
    doc.value = Json::object();
    Status st = ParseBody(&doc.value, "", 0, nullptr);
    if (!st.ok()) return Err(st);
    doc.lines = std::move(lines_);
    return doc;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;  // the final kEof is sticky
    return t;
  }
  Status Error(const Token& at, std::string_view msg) const {
    return internal::SyntaxError(filename_, at.line, at.col, msg);
  }
  Status CheckDepth(const Token& at, int depth) const {
    if (depth > kMaxDepth) return Error(at, "nesting too deep");
    return Status::Ok();
  }
  void RecordLine(const std::string& pointer, int line) { lines_.emplace(pointer, line); }

  Status ParseBody(Json* obj, const std::string& ptr, int depth, const Token* open);
  Status ParseItem(Json* obj, const std::string& ptr, int depth,
                   std::map<std::string, KeyUse>* used);
  Status ParseBlock(Json* obj, const std::string& ptr, int depth, const Token& key);
  Status ParseValue(Json* out, const std::string& ptr, int depth);
  Status ParseList(Json* out, const std::string& ptr, int depth, const Token& open);

  std::vector<Token> tokens_;
  std::string_view filename_;
  size_t pos_ = 0;
  std::map<std::string, int> lines_;
};

// Parses items into `obj` until the closing '}' (consumed) or, at the top level
// (`open` == nullptr), the end of input.
Status Parser::ParseBody(Json* obj, const std::string& ptr, int depth, const Token* open) {
  std::map<std::string, KeyUse> used;
  while (true) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kEof) {
      if (open == nullptr) return Status::Ok();
      return Error(t, "unexpected end of input: '{' opened on line " + std::to_string(open->line) +
                          " is not closed");
    }
    if (t.kind == TokenKind::kRBrace) {
      if (open == nullptr) return Error(t, "unexpected '}' (no block is open)");
      Next();
      return Status::Ok();
    }
    if (t.kind == TokenKind::kComma) {
      Next();
      continue;
    }
    if (t.kind != TokenKind::kIdent && t.kind != TokenKind::kString) {
      return Error(t, "expected an attribute name or block type, got " + internal::Describe(t));
    }
    HCL_RETURN_IF_ERROR(ParseItem(obj, ptr, depth, &used));
  }
}

Status Parser::ParseItem(Json* obj, const std::string& ptr, int depth,
                         std::map<std::string, KeyUse>* used) {
  const Token& key = Next();
  bool is_attr = Peek().kind == TokenKind::kAssign;
  auto prev = used->find(key.text);
  if (prev != used->end() && (is_attr || !prev->second.block)) {
    std::string what = prev->second.block ? "a block" : "an attribute";
    std::string msg = "\"" + key.text + "\" is already defined as " + what + " on line " +
                      std::to_string(prev->second.line);
    if (is_attr && !prev->second.block) {
      msg = "duplicate attribute \"" + key.text + "\" (first set on line " +
            std::to_string(prev->second.line) + ")";
    }
    return Error(key, msg);
  }
  if (prev == used->end()) used->emplace(key.text, KeyUse{!is_attr, key.line});
  if (!is_attr) return ParseBlock(obj, ptr, depth, key);

  Next();  // '=' or ':'
  std::string child = JoinPointer(ptr, key.text);
  RecordLine(child, key.line);
  Json value;
  HCL_RETURN_IF_ERROR(ParseValue(&value, child, depth + 1));
  (*obj)[key.text] = std::move(value);
  return Status::Ok();
}

// `key label* { body }`: appends {"label": ... {body}} to the array (*obj)[key].
Status Parser::ParseBlock(Json* obj, const std::string& ptr, int depth, const Token& key) {
  HCL_RETURN_IF_ERROR(CheckDepth(key, depth + 1));
  std::vector<const Token*> labels;
  while (Peek().kind == TokenKind::kString || Peek().kind == TokenKind::kIdent) {
    labels.push_back(&Next());
  }
  const Token& open = Peek();
  if (open.kind != TokenKind::kLBrace) {
    std::string expected = labels.empty() ? "'=' or '{' after \"" + key.text + "\""
                                          : "'{' after the labels of block \"" + key.text + "\"";
    return Error(open, "expected " + expected + ", got " + internal::Describe(open));
  }
  Next();
  Json& list = (*obj)[key.text];
  if (!list.is_array()) list = Json::array();
  std::string list_ptr = JoinPointer(ptr, key.text);
  RecordLine(list_ptr, key.line);
  std::string body_ptr = JoinPointer(list_ptr, list.size());
  RecordLine(body_ptr, key.line);
  for (const Token* l : labels) {
    body_ptr = JoinPointer(body_ptr, l->text);
    RecordLine(body_ptr, l->line);
  }
  Json body = Json::object();
  HCL_RETURN_IF_ERROR(ParseBody(&body, body_ptr, depth + 1, &open));
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
    Json wrapped = Json::object();
    wrapped[(*it)->text] = std::move(body);
    body = std::move(wrapped);
  }
  list.push_back(std::move(body));
  return Status::Ok();
}

Status Parser::ParseValue(Json* out, const std::string& ptr, int depth) {
  const Token& t = Next();
  HCL_RETURN_IF_ERROR(CheckDepth(t, depth));
  RecordLine(ptr, t.line);
  switch (t.kind) {
    case TokenKind::kString:
    case TokenKind::kNumber:
    case TokenKind::kBool:
      *out = t.value;
      return Status::Ok();
    case TokenKind::kLBracket:
      return ParseList(out, ptr, depth, t);
    case TokenKind::kLBrace:
      *out = Json::object();
      return ParseBody(out, ptr, depth, &t);
    case TokenKind::kIdent:
      return Error(t,
                   "expected a value, got " + internal::Describe(t) + " (strings must be quoted)");
    default:
      return Error(t, "expected a value, got " + internal::Describe(t));
  }
}

Status Parser::ParseList(Json* out, const std::string& ptr, int depth, const Token& open) {
  *out = Json::array();
  auto unclosed = [&](const Token& at) {
    return Error(at, "unexpected end of input: '[' opened on line " + std::to_string(open.line) +
                         " is not closed");
  };
  while (true) {
    if (Peek().kind == TokenKind::kRBracket) {
      Next();
      return Status::Ok();
    }
    if (Peek().kind == TokenKind::kEof) return unclosed(Peek());
    Json item;
    HCL_RETURN_IF_ERROR(ParseValue(&item, JoinPointer(ptr, out->size()), depth + 1));
    out->push_back(std::move(item));
    const Token& sep = Peek();
    if (sep.kind == TokenKind::kComma) {
      Next();
    } else if (sep.kind == TokenKind::kEof) {
      return unclosed(sep);
    } else if (sep.kind != TokenKind::kRBracket) {
      return Error(sep, "expected ',' or ']' in list, got " + internal::Describe(sep));
    }
  }
}

}  // namespace

int Document::LineOf(const std::string& pointer) const {
  std::string p = pointer;
  while (true) {
    auto it = lines.find(p);
    if (it != lines.end()) return it->second;
    size_t slash = p.rfind('/');
    if (slash == std::string::npos) return 0;
    p.resize(slash);
  }
}

std::string JoinPointer(std::string_view base, std::string_view token) {
  std::string out(base);
  out.push_back('/');
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string JoinPointer(std::string_view base, size_t index) {
  return std::string(base) + "/" + std::to_string(index);
}

Result<Document> Parse(std::string_view text, std::string_view filename) {
  try {
    COFFER_ASSIGN_OR_RETURN(auto tokens, internal::Tokenize(text, filename));
    return Parser(std::move(tokens), filename).Run();
  } catch (const std::exception& e) {  // only allocation failure is expected here
    return Err(Internal(std::string(filename) + ": " + e.what()));
  }
}

}  // namespace coffer::hcl
