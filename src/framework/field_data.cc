#include "framework/field_data.h"

#include <algorithm>
#include <cctype>

#include "base/duration.h"

namespace coffer::framework {

Json FieldData::Zero(const FieldSchema& s) const {
  if (!s.default_value.is_null()) {
    auto v = Convert(s, s.default_value);
    if (v) return *v;
  }
  switch (s.type) {
    case FieldType::kInt:
    case FieldType::kDurationSecond:
      return 0;
    case FieldType::kBool:
      return false;
    case FieldType::kMap:
    case FieldType::kKvPairs:
      return Json::object();
    case FieldType::kStringSlice:
    case FieldType::kCommaStringSlice:
    case FieldType::kSlice:
      return Json::array();
    case FieldType::kRaw:
      return nullptr;
    default:
      return "";
  }
}

Result<Json> FieldData::Convert(const FieldSchema& s, const Json& v) const {
  if (v.is_null()) {  // JSON null is the type's zero value, as Go's decoding gives
    FieldSchema no_default(s.type);
    return Zero(no_default);
  }
  switch (s.type) {
    case FieldType::kString:
    case FieldType::kNameString:
    case FieldType::kLowerCaseString: {
      std::string out;
      if (v.is_string())
        out = v.get<std::string>();
      else if (v.is_number() || v.is_boolean())
        out = v.dump();
      else if (v.is_null())
        out = "";
      else
        return Err(InvalidArgument("expected a string"));
      if (s.type == FieldType::kLowerCaseString)
        std::transform(out.begin(), out.end(), out.begin(),
                       [](unsigned char c) { return std::tolower(c); });
      return Json(out);
    }
    case FieldType::kInt: {
      COFFER_ASSIGN_OR_RETURN(int64_t i, JsonToInt(v));
      return Json(i);
    }
    case FieldType::kBool: {
      COFFER_ASSIGN_OR_RETURN(bool b, JsonToBool(v));
      return Json(b);
    }
    case FieldType::kDurationSecond: {
      if (v.is_number_integer()) {
        if (v.get<int64_t>() < 0) return Err(InvalidArgument("duration must not be negative"));
        return Json(v.get<int64_t>());
      }
      if (v.is_number_float()) return Json(static_cast<int64_t>(v.get<double>()));
      if (!v.is_string()) return Err(InvalidArgument("expected a duration"));
      COFFER_ASSIGN_OR_RETURN(auto d, ParseDuration(v.get<std::string>()));
      return Json(static_cast<int64_t>(d.count()));
    }
    case FieldType::kMap:
      if (v.is_object()) return v;
      if (v.is_string()) {
        if (v.get<std::string>().empty()) return Json::object();
        auto parsed = ParseJson(v.get<std::string>());
        if (parsed && parsed->is_object()) return *parsed;
      }
      return Err(InvalidArgument("expected a map"));
    case FieldType::kKvPairs: {
      Json out = Json::object();
      if (v.is_object()) {
        for (auto& [k, val] : v.items()) out[k] = val.is_string() ? val : Json(val.dump());
        return out;
      }
      COFFER_ASSIGN_OR_RETURN(auto items, JsonToStringList(v));
      for (const auto& item : items) {
        auto eq = item.find('=');
        if (eq == std::string::npos) return Err(InvalidArgument("expected key=value pairs"));
        out[item.substr(0, eq)] = item.substr(eq + 1);
      }
      return out;
    }
    case FieldType::kStringSlice:
    case FieldType::kCommaStringSlice: {
      COFFER_ASSIGN_OR_RETURN(auto items, JsonToStringList(v));
      return Json(items);
    }
    case FieldType::kSlice:
      if (v.is_array()) return v;
      return Json::array({v});
    case FieldType::kRaw:
      return v;
  }
  return Err(InvalidArgument("unknown field type"));
}

Status FieldData::Validate() const {
  if (!raw_.is_object() || schema_ == nullptr) return Status::Ok();
  for (const auto& [name, value] : raw_.items()) {
    auto it = schema_->find(name);
    if (it == schema_->end()) continue;
    auto converted = Convert(it->second, value);
    if (!converted)
      return InvalidArgument("error converting input for field \"" + name +
                             "\": " + converted.error().message());
  }
  for (const auto& [name, s] : *schema_) {
    if (s.required && !Has(name)) return InvalidArgument("missing required field \"" + name + "\"");
  }
  return Status::Ok();
}

Json FieldData::Get(const std::string& name) const {
  if (schema_ == nullptr) return nullptr;
  auto it = schema_->find(name);
  if (it == schema_->end()) return nullptr;
  if (auto v = GetOk(name)) return *v;
  return Zero(it->second);
}

std::optional<Json> FieldData::GetOk(const std::string& name) const {
  if (schema_ == nullptr || !Has(name)) return std::nullopt;
  auto it = schema_->find(name);
  if (it == schema_->end()) return std::nullopt;
  auto v = Convert(it->second, raw_.at(name));
  if (!v) return std::nullopt;
  return *v;
}

std::string FieldData::GetString(const std::string& name) const {
  Json v = Get(name);
  return v.is_string() ? v.get<std::string>() : std::string();
}

int64_t FieldData::GetInt(const std::string& name) const {
  Json v = Get(name);
  return v.is_number_integer() ? v.get<int64_t>() : 0;
}

bool FieldData::GetBool(const std::string& name) const {
  Json v = Get(name);
  return v.is_boolean() && v.get<bool>();
}

std::chrono::seconds FieldData::GetDuration(const std::string& name) const {
  return std::chrono::seconds(GetInt(name));
}

std::vector<std::string> FieldData::GetStringSlice(const std::string& name) const {
  Json v = Get(name);
  std::vector<std::string> out;
  if (v.is_array())
    for (const auto& e : v)
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

std::map<std::string, std::string> FieldData::GetKvPairs(const std::string& name) const {
  Json v = Get(name);
  std::map<std::string, std::string> out;
  if (v.is_object())
    for (auto& [k, val] : v.items())
      if (val.is_string()) out[k] = val.get<std::string>();
  return out;
}

}  // namespace coffer::framework
