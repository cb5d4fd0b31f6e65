#pragma once
// TokenHelper: the CLI's token cache, as Vault's internal token helper. The token lives in
// ~/.coffer-token (mode 0600, written atomically through a temporary file and rename);
// ~/.vault-token is read as a fallback so an existing Vault login keeps working, but it is
// never written or erased.

#include <string>
#include <string_view>

#include "base/status.h"

namespace coffer::api {

class TokenHelper {
 public:
  // home_dir: the directory holding the token files.
  explicit TokenHelper(std::string home_dir);
  // $HOME, else the passwd entry's home directory.
  static TokenHelper FromEnvironment();

  std::string path() const;           // <home>/.coffer-token
  std::string fallback_path() const;  // <home>/.vault-token

  // The stored token with surrounding whitespace trimmed; "" when no file exists.
  Result<std::string> Get() const;
  // Replaces the stored token; the file has mode 0600.
  Status Store(std::string_view token) const;
  // Removes ~/.coffer-token; succeeds when it does not exist.
  Status Erase() const;

 private:
  std::string home_;
};

}  // namespace coffer::api
