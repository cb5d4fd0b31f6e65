// Policy parsing: HCL (through hcl::Parse) or JSON text -> a JSON tree -> Policy.
// HCL blocks arrive as arrays of objects ({"path": [{"secret/*": {...}}]}), JSON policies
// as plain objects ({"path": {"secret/*": {...}}}); both shapes are accepted everywhere a
// block may appear. Processing order and error texts follow vault/policy.go parsePaths.

#include "core/policy/policy.h"

#include <algorithm>
#include <cctype>
#include <span>

#include "base/duration.h"
#include "hcl/hcl.h"

namespace coffer::core {
namespace {

constexpr std::string_view kValidTopKeys[] = {"name", "path"};
constexpr std::string_view kValidPathKeys[] = {"comment",
                                               "policy",
                                               "capabilities",
                                               "allowed_parameters",
                                               "denied_parameters",
                                               "required_parameters",
                                               "min_wrapping_ttl",
                                               "max_wrapping_ttl",
                                               "mfa_methods",
                                               "control_group",
                                               "subscribe_event_types"};

struct CapName {
  std::string_view name;
  uint32_t bit;
};
// Vault's reporting order (acl.go CapabilitiesAndSubscribeEventTypes).
constexpr CapName kCapNames[] = {
    {"sudo", kCapSudo},     {"read", kCapRead},           {"list", kCapList},
    {"update", kCapUpdate}, {"delete", kCapDelete},       {"create", kCapCreate},
    {"patch", kCapPatch},   {"subscribe", kCapSubscribe}, {"recover", kCapRecover},
};

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Go's %q for the strings that appear in policy errors.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string OnLine(const hcl::Document& doc, const std::string& pointer) {
  int line = doc.LineOf(pointer);
  return line > 0 ? " on line " + std::to_string(line) : "";
}

// Vault's CheckHCLKeys: every unknown key is reported.
Status CheckKeys(const Json& obj, std::span<const std::string_view> valid, const hcl::Document& doc,
                 const std::string& pointer, std::string_view prefix) {
  std::string errors;
  for (const auto& [key, value] : obj.items()) {
    if (std::find(valid.begin(), valid.end(), key) != valid.end()) continue;
    if (!errors.empty()) errors += ", ";
    errors += "invalid key " + Quote(key) + OnLine(doc, hcl::JoinPointer(pointer, key));
  }
  if (errors.empty()) return Status::Ok();
  return InvalidArgument(std::string(prefix) + errors);
}

// A block may be an object or (HCL) an array of objects; calls fn(object, pointer).
template <class Fn>
Status ForEachBlock(const Json& v, const std::string& pointer, std::string_view what, Fn&& fn) {
  if (v.is_object()) return fn(v, pointer);
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_object()) return InvalidArgument(std::string(what) + ": expected a block");
      Status st = fn(v[i], hcl::JoinPointer(pointer, i));
      if (!st.ok()) return st;
    }
    return Status::Ok();
  }
  return InvalidArgument(std::string(what) + ": expected a block");
}

Result<std::vector<std::string>> StringList(const Json& v, std::string_view what) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
    return out;
  }
  if (!v.is_array())
    return Err(InvalidArgument(std::string(what) + ": expected a list of strings"));
  for (const Json& e : v) {
    if (!e.is_string())
      return Err(InvalidArgument(std::string(what) + ": expected a list of strings"));
    out.push_back(e.get<std::string>());
  }
  return out;
}

// allowed_parameters / denied_parameters: {"key": [values]} in either block shape.
Result<ParameterMap> DecodeParameters(const Json& v, std::string_view what) {
  ParameterMap out;
  Status st = ForEachBlock(v, "", what, [&](const Json& obj, const std::string&) {
    for (const auto& [key, values] : obj.items()) {
      std::vector<Json>& list = out[ToLower(key)];
      list.clear();
      if (values.is_array()) {
        for (const Json& e : values) list.push_back(e);
      } else if (!values.is_null()) {
        list.push_back(values);
      }
    }
    return Status::Ok();
  });
  if (!st.ok()) return Err(st);
  return out;
}

Result<std::chrono::seconds> DecodeDuration(const Json& v, std::string_view what) {
  if (v.is_string()) {
    auto d = ParseDuration(v.get<std::string>());
    if (!d)
      return Err(
          InvalidArgument("error parsing " + std::string(what) + ": " + d.error().message()));
    return *d;
  }
  if (v.is_number()) {
    double s = v.get<double>();
    if (s < 0) return Err(InvalidArgument("error parsing " + std::string(what) + ": negative"));
    return std::chrono::seconds(static_cast<int64_t>(s));
  }
  return Err(InvalidArgument("error parsing " + std::string(what) + ": expected a duration"));
}

// Capabilities from the legacy `policy = "..."` shorthand.
Result<std::vector<std::string>> LegacyCapabilities(const std::string& policy) {
  if (policy == "deny") return std::vector<std::string>{"deny"};
  if (policy == "read") return std::vector<std::string>{"read", "list"};
  if (policy == "write")
    return std::vector<std::string>{"create", "read", "update", "delete", "list"};
  if (policy == "sudo")
    return std::vector<std::string>{"create", "read", "update", "delete", "list", "sudo"};
  return Err(Status(StatusCode::kInvalidArgument, "invalid policy " + Quote(policy)));
}

// Everything after the capabilities: parameters, wrapping TTLs, and the accepted-ignored
// enterprise keys. `where` is the `path "x": ` error prefix.
Status DecodeConstraints(const Json& body, const std::string& where, PathRules* pc) {
  Permissions& perms = pc->permissions;
  if (body.contains("allowed_parameters")) {
    auto m = DecodeParameters(body["allowed_parameters"], where + "allowed_parameters");
    if (!m) return m.error();
    perms.allowed_parameters = std::move(*m);
  }
  if (body.contains("denied_parameters")) {
    auto m = DecodeParameters(body["denied_parameters"], where + "denied_parameters");
    if (!m) return m.error();
    perms.denied_parameters = std::move(*m);
  }
  struct TtlField {
    const char* key;
    std::chrono::seconds* out;
  };
  for (TtlField f : {TtlField{"min_wrapping_ttl", &perms.min_wrapping_ttl},
                     TtlField{"max_wrapping_ttl", &perms.max_wrapping_ttl}}) {
    if (!body.contains(f.key)) continue;
    auto d = DecodeDuration(body[f.key], f.key);
    if (!d) return d.error();
    *f.out = *d;
  }
  if (body.contains("mfa_methods")) {
    auto l = StringList(body["mfa_methods"], where + "mfa_methods");
    if (!l) return l.error();
    perms.mfa_methods = std::move(*l);
  }
  if (body.contains("control_group") && !body["control_group"].is_object() &&
      !body["control_group"].is_array()) {
    return InvalidArgument(where + "control_group: expected a block");
  }
  if (perms.min_wrapping_ttl.count() != 0 && perms.max_wrapping_ttl.count() != 0 &&
      perms.max_wrapping_ttl < perms.min_wrapping_ttl) {
    return InvalidArgument("max_wrapping_ttl cannot be less than min_wrapping_ttl");
  }
  if (body.contains("required_parameters")) {
    auto l = StringList(body["required_parameters"], where + "required_parameters");
    if (!l) return l.error();
    perms.required_parameters = std::move(*l);
  }
  if (body.contains("subscribe_event_types")) {
    auto l = StringList(body["subscribe_event_types"], where + "subscribe_event_types");
    if (!l) return l.error();
    perms.subscribe_event_types = std::move(*l);
  }
  return Status::Ok();
}

// One `path "key" { body }` block.
Result<PathRules> DecodePath(const std::string& key, const Json& body, const hcl::Document& doc,
                             const std::string& pointer, bool* templated) {
  const std::string where = "path " + Quote(key) + ": ";
  bool is_templated = false;
  Status st = ValidatePathTemplating(key, &is_templated);
  if (!st.ok())
    return Err(InvalidArgument("failed to validate policy templating: " + st.message()));
  *templated |= is_templated;
  COFFER_RETURN_IF_ERROR(CheckKeys(body, kValidPathKeys, doc, pointer, where));

  PathRules pc;
  pc.templated = is_templated;
  pc.path = key;
  if (!pc.path.empty() && pc.path[0] == '/') pc.path.erase(0, 1);
  if (pc.path.find("+*") != std::string::npos) {
    return Err(InvalidArgument("path " + Quote(pc.path) +
                               ": invalid use of wildcards ('+*' is forbidden)"));
  }
  pc.has_segment_wildcards =
      pc.path == "+" || pc.path.find("/+") != std::string::npos || pc.path.rfind("+/", 0) == 0;
  if (!pc.path.empty() && pc.path.back() == '*' && !pc.has_segment_wildcards) {
    pc.path.pop_back();
    pc.is_prefix = true;
  }

  std::vector<std::string> caps;
  if (body.contains("capabilities")) {
    COFFER_ASSIGN_OR_RETURN(caps, StringList(body["capabilities"], where + "capabilities"));
  }
  if (body.contains("policy")) {
    const Json& p = body["policy"];
    if (!p.is_string()) return Err(InvalidArgument(where + "policy: expected a string"));
    if (!p.get<std::string>().empty()) {
      auto legacy = LegacyCapabilities(p.get<std::string>());
      if (!legacy) return Err(InvalidArgument(where + legacy.error().message()));
      if (p.get<std::string>() == "deny") caps.clear();
      caps.insert(caps.end(), legacy->begin(), legacy->end());
    }
  }
  for (const std::string& cap : caps) {
    if (cap == "deny") {
      pc.permissions = Permissions();
      pc.permissions.capabilities = kCapDeny;
      return pc;  // a deny rule carries nothing else
    }
    uint32_t bit = CapabilityFromName(cap);
    if (bit == 0) return Err(InvalidArgument(where + "invalid capability " + Quote(cap)));
    pc.permissions.capabilities |= bit;
  }
  COFFER_RETURN_IF_ERROR(DecodeConstraints(body, where, &pc));
  return pc;
}

Status DecodePolicy(const hcl::Document& doc, Policy* out) {
  const Json& root = doc.value;
  if (!root.is_object()) return InvalidArgument("does not contain a root object");
  Status st = CheckKeys(root, kValidTopKeys, doc, "", "");
  if (!st.ok()) return st;
  if (root.contains("name") && !root["name"].is_string()) {
    return InvalidArgument("name: expected a string");  // the stored name always wins
  }
  if (!root.contains("path")) return Status::Ok();
  return ForEachBlock(root["path"], "/path", "path", [&](const Json& obj, const std::string& ptr) {
    for (const auto& item : obj.items()) {
      // Not a structured binding: clang 14 (the fuzz build) cannot capture one.
      const std::string& key = item.key();
      const Json& body = item.value();
      std::string body_ptr = hcl::JoinPointer(ptr, key);
      Status st = ForEachBlock(body, body_ptr, "path " + Quote(key),
                               [&](const Json& b, const std::string& bptr) -> Status {
                                 auto rules = DecodePath(key, b, doc, bptr, &out->templated);
                                 if (!rules) return rules.error();
                                 out->paths.push_back(std::move(*rules));
                                 return Status::Ok();
                               });
      if (!st.ok()) return st;
    }
    return Status::Ok();
  });
}

}  // namespace

uint32_t CapabilityFromName(std::string_view name) {
  if (name == "deny") return kCapDeny;
  for (const CapName& c : kCapNames) {
    if (c.name == name) return c.bit;
  }
  return 0;
}

std::vector<std::string> CapabilityNames(uint32_t bitmap) {
  std::vector<std::string> out;
  for (const CapName& c : kCapNames) {
    if (bitmap & c.bit) out.emplace_back(c.name);
  }
  return out;
}

std::string SanitizePolicyName(std::string_view name) {
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front())))
    name.remove_prefix(1);
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back())))
    name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status ValidatePathTemplating(std::string_view path, bool* templated) {
  *templated = false;
  size_t open = path.find("{{");
  if (path.substr(0, open).find("}}") != std::string_view::npos) {
    return InvalidArgument("unbalanced templating characters");
  }
  while (open != std::string_view::npos) {
    std::string_view rest = path.substr(open + 2);
    size_t next_open = rest.find("{{");
    std::string_view piece = rest.substr(0, next_open);
    size_t close = piece.find("}}");
    // Exactly one "}}" per "{{" piece, as strings.Split(piece, "}}") must give 2 parts.
    if (close == std::string_view::npos || piece.find("}}", close + 2) != std::string_view::npos) {
      return InvalidArgument("unbalanced templating characters");
    }
    *templated = true;
    open = next_open == std::string_view::npos ? next_open : open + 2 + next_open;
  }
  return Status::Ok();
}

Result<Policy> ParsePolicy(std::string_view name, std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  bool is_json = first != std::string_view::npos && text[first] == '{';
  auto doc = is_json ? hcl::ParseJsonDocument(text, "policy") : hcl::Parse(text, "policy");
  if (!doc) return Err(InvalidArgument("failed to parse policy: " + doc.error().message()));

  Policy policy;
  policy.name = SanitizePolicyName(name);
  policy.raw = std::string(text);
  Status st = DecodePolicy(*doc, &policy);
  if (!st.ok()) return Err(InvalidArgument("failed to parse policy: " + st.message()));
  return policy;
}

}  // namespace coffer::core
