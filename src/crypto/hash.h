#pragma once
// Hashes, MACs, key derivation and the byte encodings used at API boundaries.
// All functions are pure and thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/status.h"

namespace coffer::crypto {

// SHA-256 of data: 32 raw bytes.
std::string Sha256(std::string_view data);

// HMAC-SHA256(key, data): 32 raw bytes. Any key length.
std::string HmacSha256(std::string_view key, std::string_view data);

// HMAC-SHA256 with one key for many messages: the key schedule is done once, so each Mac
// costs only the hashing (audit devices hash every token and secret string of an entry).
// Mac is const and thread-safe. Move-only; the keyed state is wiped when it is destroyed.
class HmacSha256Key {
 public:
  explicit HmacSha256Key(std::string_view key);
  ~HmacSha256Key();
  HmacSha256Key(HmacSha256Key&& other) noexcept;
  HmacSha256Key& operator=(HmacSha256Key&&) = delete;
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;

  // HMAC-SHA256(key, data): 32 raw bytes, as HmacSha256(key, data).
  std::string Mac(std::string_view data) const;

 private:
  void* ctx_;  // the digest states after the inner and outer padded key (hash.cc)
};

// HKDF-SHA256 (RFC 5869) extract-and-expand: len bytes of output keying material.
// An empty salt means HashLen zero bytes, as in the RFC. InvalidArgument if len is 0 or
// more than 255 * 32.
Result<SecretBytes> Hkdf(const SecretBytes& ikm, std::string_view salt, std::string_view info,
                         size_t len);

// Lowercase hex. Decoding accepts either case and rejects odd lengths and non-hex
// characters. Both run in time independent of the byte values (keys pass through them).
std::string HexEncode(std::string_view bytes);
Result<std::string> HexDecode(std::string_view hex);

// RFC 4648 standard alphabet with '=' padding (Go's base64.StdEncoding). Decoding rejects
// missing or misplaced padding, whitespace and characters outside the alphabet; like Go it
// ignores non-zero bits in the last character's unused low bits. Constant-time per byte.
std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view b64);

}  // namespace coffer::crypto
