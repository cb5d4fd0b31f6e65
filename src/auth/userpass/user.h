#pragma once
// A userpass user as stored at "user/<lower-case name>" in the mount's storage:
// {"v":1, "password_hash": "<password.h encoding>", token_* params, legacy fields}.

#include <optional>
#include <string>
#include <string_view>

#include "auth/tokenutil.h"
#include "base/status.h"

namespace coffer::storage {
class Backend;
}

namespace coffer::auth::userpass {

inline constexpr std::string_view kUserPrefix = "user/";

struct UserEntry {
  std::string password_hash;
  TokenParams token;
  LegacyTokenFields legacy;

  std::string Serialize() const;
  // Parses a stored entry; legacy values fill unset token_* ones, as Vault's b.user().
  static Result<UserEntry> Parse(std::string_view stored);
};

// The user, or nullopt when there is none. `username` must already be lower-case.
Result<std::optional<UserEntry>> LoadUser(storage::Backend& s, const std::string& username);
Status SaveUser(storage::Backend& s, const std::string& username, const UserEntry& user);

}  // namespace coffer::auth::userpass
