#include "base/json.h"

#include <cctype>

namespace coffer {

Result<Json> ParseJson(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Err(InvalidArgument("failed to parse JSON input"));
  return j;
}

std::string TrimSpace(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> StringArrayField(const Json& j, const char* key) {
  std::vector<std::string> out;
  if (j.is_object() && j.contains(key) && j[key].is_array())
    for (const auto& e : j[key])
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

Result<std::vector<std::string>> JsonToStringList(const Json& v) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      if (comma == std::string::npos) comma = s.size();
      std::string item = TrimSpace(std::string_view(s).substr(start, comma - start));
      if (!item.empty()) out.push_back(item);
      start = comma + 1;
    }
    return out;
  }
  if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_string()) {
        std::string item = TrimSpace(e.get<std::string>());
        if (!item.empty()) out.push_back(item);
      } else if (e.is_number()) {
        out.push_back(e.dump());
      } else {
        return Err(InvalidArgument("expected a list of strings"));
      }
    }
    return out;
  }
  return Err(InvalidArgument("expected a list of strings"));
}

Result<bool> JsonToBool(const Json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>() != 0;
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s == "true" || s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "True") return true;
    if (s == "false" || s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "False" ||
        s.empty())
      return false;
  }
  return Err(InvalidArgument("expected a boolean"));
}

Result<int64_t> JsonToInt(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
  }
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (!s.empty()) {
      size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
      bool ok = i < s.size();
      for (size_t k = i; k < s.size(); ++k)
        ok &= std::isdigit(static_cast<unsigned char>(s[k])) != 0;
      if (ok && s.size() < 19) return std::stoll(s);
    }
  }
  return Err(InvalidArgument("expected an integer"));
}

}  // namespace coffer
