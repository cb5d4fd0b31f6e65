#pragma once
// Password hashing for userpass. OpenSSL has no bcrypt (Vault's choice), so passwords are
// hashed with PBKDF2-HMAC-SHA256, a 16-byte random salt and kPbkdf2Iterations rounds
// (~50 ms on a current core, about what Vault's bcrypt cost 10 takes), and stored as
//
//   pbkdf2-sha256$<iterations>$<base64 salt>$<base64 32-byte derived key>
//
// The iteration count travels with each hash, so raising it later keeps old hashes valid.
// Verification compares derived keys with CRYPTO_memcmp.
//
// Thread-safety: pure functions; safe from any thread.

#include <string>
#include <string_view>

#include "base/status.h"

namespace coffer::crypto {
class Random;
}

namespace coffer::auth::userpass {

inline constexpr int kPbkdf2Iterations = 210000;

// A new encoded hash of `password` with a fresh salt from `random`.
Result<std::string> HashPassword(std::string_view password, crypto::Random& random,
                                 int iterations = kPbkdf2Iterations);

// Whether `password` matches `encoded`. False for a malformed encoding.
bool VerifyPassword(std::string_view password, std::string_view encoded);

// Spends the time of one VerifyPassword, so a login for an unknown user takes as long
// as one with a wrong password.
void VerifyAgainstDummy(std::string_view password);

}  // namespace coffer::auth::userpass
