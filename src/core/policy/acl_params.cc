#include "core/policy/acl_params.h"

#include <cctype>

namespace coffer::core::internal {
namespace {

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// parseutil.ParseCommaStringSlice: "" -> [], otherwise split on ',' and trim each item.
std::vector<std::string> CommaList(std::string_view s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    out.emplace_back(Trim(s.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

// valueInParameterList: null matches null, strings glob-match, anything else compares
// as JSON values.
bool InList(const Json& v, const std::vector<Json>& list) {
  for (const Json& el : list) {
    if (el.is_null() || v.is_null()) {
      if (el.is_null() && v.is_null()) return true;
    } else if (el.is_string()) {
      if (v.is_string() &&
          GlobMatch(el.get_ref<const std::string&>(), v.get_ref<const std::string&>()))
        return true;
    } else if (el == v) {
      return true;
    }
  }
  return false;
}

// valueInAllowedParameterList: a list value is allowed when every element is; a string
// is read as a comma-separated list (a field may be a comma-string slice).
bool InAllowedList(const Json& v, const std::vector<Json>& list) {
  if (list.empty() || InList(v, list)) return true;
  if (v.is_array()) {
    for (const Json& e : v) {
      if (!InList(e, list)) return false;
    }
    return true;
  }
  if (v.is_string()) {
    for (const std::string& item : CommaList(v.get_ref<const std::string&>())) {
      if (!InList(Json(item), list)) return false;
    }
    return true;
  }
  return false;
}

// valueInDeniedParameterList: denied when any element (or comma-separated item) is.
bool InDeniedList(const Json& v, const std::vector<Json>& list) {
  if (list.empty() || InList(v, list)) return true;
  if (v.is_array()) {
    for (const Json& e : v) {
      if (InList(e, list)) return true;
    }
  } else if (v.is_string()) {
    for (const std::string& item : CommaList(v.get_ref<const std::string&>())) {
      if (InList(Json(item), list)) return true;
    }
  }
  return false;
}

}  // namespace

bool GlobMatch(std::string_view item, std::string_view value) {
  if (item.size() < 2) return value == item;
  bool lead = item.front() == '*';
  bool trail = item.back() == '*';
  if (lead && trail) return value.find(item.substr(1, item.size() - 2)) != std::string_view::npos;
  if (lead) return value.ends_with(item.substr(1));
  if (trail) return value.starts_with(item.substr(0, item.size() - 1));
  return value == item;
}

bool ParametersAllowed(const Permissions& perms, const Json& data, std::string* reason) {
  static const Json kEmpty = Json::object();
  const Json& d = data.is_object() ? data : kEmpty;
  for (const std::string& p : perms.required_parameters) {
    if (!d.contains(ToLower(p))) {
      *reason = "missing required parameter \"" + p + "\"";
      return false;
    }
  }
  if (d.empty()) return true;

  const ParameterMap& denied = perms.denied_parameters;
  if (!denied.empty()) {
    if (denied.count("*")) {
      *reason = "all parameters are denied";
      return false;
    }
    for (const auto& [key, value] : d.items()) {
      auto it = denied.find(ToLower(key));
      if (it != denied.end() && InDeniedList(value, it->second)) {
        *reason = "parameter \"" + key + "\" is denied";
        return false;
      }
    }
  }

  const ParameterMap& allowed = perms.allowed_parameters;
  if (allowed.empty()) return true;
  bool allowed_all = allowed.count("*") > 0;
  if (allowed.size() == 1 && allowed_all) return true;
  for (const auto& [key, value] : d.items()) {
    auto it = allowed.find(ToLower(key));
    if (it == allowed.end()) {
      if (allowed_all) continue;
      *reason = "parameter \"" + key + "\" is not allowed";
      return false;
    }
    if (!InAllowedList(value, it->second)) {
      *reason = "value of parameter \"" + key + "\" is not allowed";
      return false;
    }
  }
  return true;
}

}  // namespace coffer::core::internal
