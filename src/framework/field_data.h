#pragma once
// Typed request fields, as Vault's framework.FieldData: a path declares each field's
// type and default; handlers read values already converted (durations as seconds,
// comma strings as lists, "true" as a bool). Unknown fields are ignored, as in Vault.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace coffer::framework {

enum class FieldType {
  kString,
  kInt,
  kBool,
  kDurationSecond,    // "1h", 3600 → seconds
  kMap,               // JSON object
  kStringSlice,       // ["a","b"] or "a,b"
  kCommaStringSlice,  // same, Vault distinguishes them only in docs
  kKvPairs,           // map of string → string
  kNameString,        // a string used as a name (validated non-empty when present)
  kLowerCaseString,
  kSlice,  // a list of any JSON values
  kRaw,    // any JSON value, untouched
};

struct FieldSchema {
  FieldSchema() = default;
  FieldSchema(FieldType t, Json def = nullptr, std::string desc = "", bool req = false)
      : type(t), default_value(std::move(def)), description(std::move(desc)), required(req) {}

  FieldType type = FieldType::kString;
  Json default_value;  // null → the type's zero value
  std::string description;
  bool required = false;
};

using FieldSchemas = std::map<std::string, FieldSchema>;

class FieldData {
 public:
  FieldData(const FieldSchemas* schema, Json raw) : schema_(schema), raw_(std::move(raw)) {}

  // Converts every present, declared field; a field of the wrong type is InvalidArgument
  // naming the field ("error converting input for field \"ttl\": ...").
  Status Validate() const;

  // The converted value, or the default when absent. Undeclared field → null.
  Json Get(const std::string& name) const;
  // The converted value only if the caller sent it.
  std::optional<Json> GetOk(const std::string& name) const;
  bool Has(const std::string& name) const { return raw_.is_object() && raw_.contains(name); }

  std::string GetString(const std::string& name) const;
  int64_t GetInt(const std::string& name) const;
  bool GetBool(const std::string& name) const;
  std::chrono::seconds GetDuration(const std::string& name) const;
  std::vector<std::string> GetStringSlice(const std::string& name) const;
  std::map<std::string, std::string> GetKvPairs(const std::string& name) const;

  const Json& raw() const { return raw_; }

 private:
  Result<Json> Convert(const FieldSchema& s, const Json& v) const;
  Json Zero(const FieldSchema& s) const;

  const FieldSchemas* schema_;
  Json raw_;
};

}  // namespace coffer::framework
