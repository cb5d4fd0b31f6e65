#include "crypto/random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "crypto/openssl_util.h"

namespace coffer::crypto {

Status SystemRandom::Fill(uint8_t* out, size_t n) {
  while (n > 0) {
    // RAND_bytes takes an int length.
    size_t chunk = std::min<size_t>(n, INT_MAX);
    if (RAND_bytes(out, static_cast<int>(chunk)) != 1) {
      return Internal("RAND_bytes failed: " + internal::TakeOpenSslErrors());
    }
    out += chunk;
    n -= chunk;
  }
  return Status::Ok();
}

Random& SystemRandom::Get() {
  static SystemRandom* instance = new SystemRandom();
  return *instance;
}

Result<SecretBytes> RandomBytes(Random& r, size_t n) {
  SecretBytes out(n);
  if (n == 0) return out;
  COFFER_RETURN_IF_ERROR(r.Fill(out.data(), n));
  return out;
}

Result<std::string> RandomBase62(Random& r, size_t n) {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  // 248 = 4 * 62: bytes at or above it are rejected so every character is equally likely.
  static constexpr uint8_t kLimit = 248;
  std::string out;
  out.reserve(n);
  // About 3% of bytes are rejected; draw a little more than needed per round.
  SecretBytes buf(n + n / 16 + 8);
  while (out.size() < n) {
    COFFER_RETURN_IF_ERROR(r.Fill(buf.data(), buf.size()));
    for (size_t i = 0; i < buf.size() && out.size() < n; ++i) {
      uint8_t b = buf.data()[i];
      if (b < kLimit) out.push_back(kAlphabet[b % 62]);
    }
  }
  return out;
}

Result<std::string> GenerateUuid(Random& r) {
  uint8_t b[16];
  COFFER_RETURN_IF_ERROR(r.Fill(b, sizeof(b)));
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10xx (RFC 4122)
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  OPENSSL_cleanse(b, sizeof(b));
  return out;
}

}  // namespace coffer::crypto
