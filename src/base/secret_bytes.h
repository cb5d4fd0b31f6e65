#pragma once
// SecretBytes: key material, shares and tokens. Move-only; the buffer is wiped with
// OPENSSL_cleanse when freed or overwritten, and compared in constant time.
// Never log or format a SecretBytes; there is deliberately no operator<<.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace coffer {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n);
  SecretBytes(const uint8_t* data, size_t n);
  static SecretBytes FromString(std::string_view s);
  ~SecretBytes();

  SecretBytes(SecretBytes&& o) noexcept;
  SecretBytes& operator=(SecretBytes&& o) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // An explicit deep copy, so copies of secrets are visible in the code.
  SecretBytes Clone() const { return SecretBytes(data(), size()); }

  uint8_t* data() { return buf_.data(); }
  const uint8_t* data() const { return buf_.data(); }
  size_t size() const { return buf_.size(); }
  bool empty() const { return buf_.empty(); }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(buf_.data()), buf_.size()};
  }
  // A std::string copy; the caller owns wiping it (use only at API boundaries).
  std::string ToString() const { return std::string(view()); }
  void Wipe();

  // Constant-time equality (CRYPTO_memcmp); sizes are not secret.
  bool Equals(const SecretBytes& o) const;
  bool Equals(std::string_view o) const;

 private:
  std::vector<uint8_t> buf_;
};

// Constant-time comparison of two byte strings (length is not hidden).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Wipes a std::string holding a secret before it is released.
void WipeString(std::string& s);

}  // namespace coffer
