#include "auth/userpass/user.h"

#include "storage/backend.h"

namespace coffer::auth::userpass {

std::string UserEntry::Serialize() const {
  Json j = {{"v", 1}, {"password_hash", password_hash}};
  token.PopulateData(&j);
  Json legacy_json = Json::object();
  legacy.ToJson(&legacy_json);
  j["legacy"] = std::move(legacy_json);
  return j.dump();
}

Result<UserEntry> UserEntry::Parse(std::string_view stored) {
  auto j = ParseJson(stored);
  if (!j || !j->is_object()) return Err(Corruption("userpass: unreadable user entry"));
  UserEntry u;
  u.password_hash = j->value("password_hash", std::string());
  COFFER_ASSIGN_OR_RETURN(u.token, TokenParams::FromJson(*j));
  if (j->contains("legacy")) u.legacy = LegacyTokenFields::FromJson((*j)["legacy"]);
  u.legacy.FillUnset(&u.token);
  return u;
}

Result<std::optional<UserEntry>> LoadUser(storage::Backend& s, const std::string& username) {
  if (username.empty()) return Err(InvalidArgument("missing username"));
  COFFER_ASSIGN_OR_RETURN(auto raw, s.Get(std::string(kUserPrefix) + username));
  if (!raw) return std::optional<UserEntry>();
  COFFER_ASSIGN_OR_RETURN(UserEntry user, UserEntry::Parse(*raw));
  return std::optional<UserEntry>(std::move(user));
}

Status SaveUser(storage::Backend& s, const std::string& username, const UserEntry& user) {
  return s.Put(std::string(kUserPrefix) + username, user.Serialize());
}

}  // namespace coffer::auth::userpass
