#include "auth/userpass/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <charconv>
#include <vector>

#include "base/secret_bytes.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace coffer::auth::userpass {

namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr size_t kSaltBytes = 16;
constexpr size_t kKeyBytes = 32;
// Refuse encodings that would make one login burn unbounded CPU.
constexpr int kMaxIterations = 10000000;

bool Derive(std::string_view password, std::string_view salt, int iterations, uint8_t* out) {
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                           reinterpret_cast<const unsigned char*>(salt.data()),
                           static_cast<int>(salt.size()), iterations, EVP_sha256(),
                           static_cast<int>(kKeyBytes), out) == 1;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, crypto::Random& random,
                                 int iterations) {
  COFFER_ASSIGN_OR_RETURN(SecretBytes salt, crypto::RandomBytes(random, kSaltBytes));
  SecretBytes key(kKeyBytes);
  if (!Derive(password, salt.view(), iterations, key.data())) return Err(Internal("PBKDF2 failed"));
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" +
         crypto::Base64Encode(salt.view()) + "$" + crypto::Base64Encode(key.view());
}

bool VerifyPassword(std::string_view password, std::string_view encoded) {
  auto parts = Split(encoded, '$');
  if (parts.size() != 4 || parts[0] != kScheme) return false;
  int iterations = 0;
  auto [ptr, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), iterations);
  if (ec != std::errc() || ptr != parts[1].data() + parts[1].size() || iterations < 1 ||
      iterations > kMaxIterations)
    return false;
  auto salt = crypto::Base64Decode(parts[2]);
  auto want = crypto::Base64Decode(parts[3]);
  if (!salt || !want || want->size() != kKeyBytes) return false;
  SecretBytes got(kKeyBytes);
  if (!Derive(password, *salt, iterations, got.data())) return false;
  bool ok = CRYPTO_memcmp(got.data(), want->data(), kKeyBytes) == 0;
  WipeString(*want);
  return ok;
}

void VerifyAgainstDummy(std::string_view password) {
  static const std::string kDummy = std::string(kScheme) + "$" + std::to_string(kPbkdf2Iterations) +
                                    "$" + crypto::Base64Encode(std::string(kSaltBytes, '\0')) +
                                    "$" + crypto::Base64Encode(std::string(kKeyBytes, '\0'));
  (void)VerifyPassword(password, kDummy);
}

}  // namespace coffer::auth::userpass
