#pragma once
// A secret ID's properties, as stored at "secret_id/<role HMAC>/<secret ID HMAC>", and its
// accessor index at "accessor/<salted accessor>". The secret ID itself is never stored:
// only HMAC-SHA256(role.hmac_key, secret_id), hex, which is also the entry's key.
//
// Thread-safety: plain values and pure functions.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/status.h"

namespace coffer::auth::approle {

inline constexpr std::string_view kSecretIdPrefix = "secret_id/";
inline constexpr std::string_view kAccessorPrefix = "accessor/";

struct SecretIdEntry {
  std::string secret_id_hmac;  // hex HMAC of the secret ID under the role's hmac_key
  std::string accessor;        // UUID; names the secret ID without revealing it
  int64_t num_uses = 0;        // logins left; 0 = unlimited
  std::chrono::seconds ttl{0};
  TimePoint creation_time;
  TimePoint expiration_time;  // epoch = never
  TimePoint last_updated_time;
  std::map<std::string, std::string> metadata;
  std::vector<std::string> cidr_list;
  std::vector<std::string> token_bound_cidrs;

  bool Expired(TimePoint now) const {
    return expiration_time != TimePoint() && now > expiration_time;
  }

  std::string Serialize() const;
  static Result<SecretIdEntry> Parse(std::string_view stored);

  // The data of a secret-id lookup, as Vault's ToResponseData.
  Json LookupData() const;
};

// Vault's strutil.ParseArbitraryKeyValues for secret-ID metadata: a JSON object of
// strings, or "k1=v1,k2=v2". Empty input is no metadata.
Result<std::map<std::string, std::string>> ParseMetadata(const std::string& input);

// Keys: the directory of a role's secret IDs, one secret ID's entry, an accessor entry.
std::string SecretIdDir(const std::string& role_hmac);
std::string SecretIdKey(const std::string& role_hmac, const std::string& secret_id_hmac);
std::string AccessorKey(const std::string& salted_accessor);

}  // namespace coffer::auth::approle
