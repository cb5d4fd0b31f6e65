// Vault's "jsonx" audit format: the entry's JSON rendered as IBM JSONx elements, as
// jefferai/jsonx's EncodeJSONBytes does (members sorted by name, no XML declaration and no
// root element). Unlike that library, string values are XML-escaped too, so a raw
// (log_raw) value cannot inject markup into the log.

#include <string>

#include "audit/entry.h"

namespace coffer::audit::internal {
namespace {

void AppendEscaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\n':
        out += "&#xA;";
        break;
      case '\r':
        out += "&#xD;";
        break;
      case '\t':
        out += "&#x9;";
        break;
      default:
        out += c;
    }
  }
}

void Append(std::string& out, const Json& v, const std::string* name);

void Open(std::string& out, const char* type, const std::string* name, bool self_close) {
  out += "<json:";
  out += type;
  if (name != nullptr) {
    out += " name=\"";
    AppendEscaped(out, *name);
    out += '"';
  }
  out += self_close ? " />" : ">";
}

void AppendMembers(std::string& out, const Json& object) {
  // nlohmann's default object is a std::map: iteration is already sorted by name.
  for (auto it = object.begin(); it != object.end(); ++it) Append(out, it.value(), &it.key());
}

void Append(std::string& out, const Json& v, const std::string* name) {
  if (v.is_null()) {
    Open(out, "null", name, true);
  } else if (v.is_boolean()) {
    Open(out, "boolean", name, false);
    out += v.get<bool>() ? "true" : "false";
    out += "</json:boolean>";
  } else if (v.is_number()) {
    Open(out, "number", name, false);
    out += v.dump();
    out += "</json:number>";
  } else if (v.is_string()) {
    Open(out, "string", name, false);
    AppendEscaped(out, v.get_ref<const std::string&>());
    out += "</json:string>";
  } else if (v.is_array()) {
    Open(out, "array", name, false);
    for (const auto& child : v) Append(out, child, nullptr);
    out += "</json:array>";
  } else if (v.is_object()) {
    Open(out, "object", name, false);
    AppendMembers(out, v);
    out += "</json:object>";
  }
}

}  // namespace

std::string ToJsonx(const Json& object) {
  std::string out;
  if (object.is_object()) AppendMembers(out, object);
  return out;
}

}  // namespace coffer::audit::internal
