// FormatYaml: a small block-style YAML emitter for JSON values, close to what Vault's CLI
// prints through ghodss/yaml (go-yaml): sorted keys, two-space indentation, sequence items
// at their parent key's indentation, strings quoted only when plain style would change
// their meaning. Quoted strings use JSON escapes, which are valid YAML double-quoted style.

#include <cctype>

#include "cli/format.h"

namespace coffer::cli {
namespace {

bool LooksLikeNumber(const std::string& s) {
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i >= s.size()) return false;
  bool digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '_' && c != 'x' && c != 'o' && c != '+' &&
               c != '-' && !std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return digit;
}

bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf",
                           "-.inf", "+.inf", ".nan"}) {
    if (lower == word) return true;
  }
  if (LooksLikeNumber(s)) return true;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(s[0]) != std::string_view::npos ||
      s[0] == ' ' || s.back() == ' ' || s.back() == ':')
    return true;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return true;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string Scalar(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::string: {
      const std::string& s = v.get_ref<const std::string&>();
      return NeedsQuotes(s) ? v.dump(-1, ' ', false, Json::error_handler_t::replace) : s;
    }
    case Json::value_t::object:
      return "{}";
    case Json::value_t::array:
      return "[]";
    default:
      return v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

bool IsBlock(const Json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void Emit(const Json& v, size_t indent, std::string* out);

// Emits a block value that follows "key:" or "- " on the current line.
void EmitNested(const Json& v, size_t indent, bool after_dash, std::string* out) {
  if (!IsBlock(v)) {
    *out += " " + Scalar(v) + "\n";
    return;
  }
  if (after_dash) {
    // The first entry shares the dash's line: "- a: 1" / "- - x".
    std::string inner;
    Emit(v, indent, &inner);
    *out += " " + inner.substr(indent);
    return;
  }
  *out += "\n";
  Emit(v, v.is_array() ? indent - 2 : indent, out);
}

void Emit(const Json& v, size_t indent, std::string* out) {
  std::string pad(indent, ' ');
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      Json key = it.key();
      *out += pad + Scalar(key) + ":";
      EmitNested(it.value(), indent + 2, false, out);
    }
  } else if (v.is_array()) {
    for (const Json& item : v) {
      *out += pad + "-";
      EmitNested(item, indent + 2, true, out);
    }
  } else {
    *out += pad + Scalar(v) + "\n";
  }
}

}  // namespace

std::string FormatYaml(const Json& v) {
  std::string out;
  if (IsBlock(v)) {
    Emit(v, 0, &out);
  } else {
    out = Scalar(v);
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace coffer::cli
