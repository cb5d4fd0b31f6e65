#include "auth/approle/secret_id.h"

#include <sstream>

namespace coffer::auth::approle {

namespace {

int64_t Nanos(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

TimePoint FromNanos(int64_t n) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(n)));
}

// Vault prints an unset time.Time as Go's zero time.
std::string VaultTime(TimePoint t) {
  return t == TimePoint() ? "0001-01-01T00:00:00Z" : FormatTime(t);
}

std::vector<std::string> Strings(const Json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array())
    for (const auto& e : j[key])
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string SecretIdEntry::Serialize() const {
  Json j = {{"v", 1},
            {"secret_id_hmac", secret_id_hmac},
            {"secret_id_accessor", accessor},
            {"secret_id_num_uses", num_uses},
            {"secret_id_ttl", ttl.count()},
            {"creation_time", Nanos(creation_time)},
            {"expiration_time", Nanos(expiration_time)},
            {"last_updated_time", Nanos(last_updated_time)},
            {"metadata", metadata},
            {"cidr_list", cidr_list},
            {"token_bound_cidrs", token_bound_cidrs}};
  return j.dump();
}

Result<SecretIdEntry> SecretIdEntry::Parse(std::string_view stored) {
  auto j = ParseJson(stored);
  if (!j || !j->is_object()) return Err(Corruption("approle: unreadable secret ID entry"));
  SecretIdEntry e;
  e.secret_id_hmac = j->value("secret_id_hmac", std::string());
  e.accessor = j->value("secret_id_accessor", std::string());
  e.num_uses = j->value("secret_id_num_uses", int64_t{0});
  e.ttl = std::chrono::seconds(j->value("secret_id_ttl", int64_t{0}));
  e.creation_time = FromNanos(j->value("creation_time", int64_t{0}));
  e.expiration_time = FromNanos(j->value("expiration_time", int64_t{0}));
  e.last_updated_time = FromNanos(j->value("last_updated_time", int64_t{0}));
  if (j->contains("metadata") && (*j)["metadata"].is_object())
    for (const auto& [k, v] : (*j)["metadata"].items())
      if (v.is_string()) e.metadata[k] = v.get<std::string>();
  e.cidr_list = Strings(*j, "cidr_list");
  e.token_bound_cidrs = Strings(*j, "token_bound_cidrs");
  if (e.secret_id_hmac.empty() || e.accessor.empty())
    return Err(Corruption("approle: secret ID entry without keys"));
  return e;
}

Json SecretIdEntry::LookupData() const {
  return Json{{"cidr_list", cidr_list},
              {"creation_time", VaultTime(creation_time)},
              {"expiration_time", VaultTime(expiration_time)},
              {"last_updated_time", VaultTime(last_updated_time)},
              {"metadata", metadata},
              {"secret_id_accessor", accessor},
              {"secret_id_num_uses", num_uses},
              {"secret_id_ttl", ttl.count()},
              {"token_bound_cidrs", token_bound_cidrs}};
}

Result<std::map<std::string, std::string>> ParseMetadata(const std::string& input) {
  std::map<std::string, std::string> out;
  const std::string trimmed = Trim(input);
  if (trimmed.empty()) return out;
  if (trimmed.front() == '{') {
    auto j = ParseJson(trimmed);
    if (!j || !j->is_object())
      return Err(InvalidArgument("failed to parse metadata: invalid JSON object"));
    for (const auto& [k, v] : j->items()) {
      if (!v.is_string())
        return Err(
            InvalidArgument("failed to parse metadata: value of \"" + k + "\" is not a string"));
      out[k] = v.get<std::string>();
    }
    return out;
  }
  std::stringstream ss(trimmed);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = Trim(item);
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return Err(
          InvalidArgument("failed to parse metadata: invalid key/value pair \"" + item + "\""));
    out[Trim(item.substr(0, eq))] = Trim(item.substr(eq + 1));
  }
  return out;
}

std::string SecretIdDir(const std::string& role_hmac) {
  return std::string(kSecretIdPrefix) + role_hmac + "/";
}

std::string SecretIdKey(const std::string& role_hmac, const std::string& secret_id_hmac) {
  return SecretIdDir(role_hmac) + secret_id_hmac;
}

std::string AccessorKey(const std::string& salted_accessor) {
  return std::string(kAccessorPrefix) + salted_accessor;
}

}  // namespace coffer::auth::approle
