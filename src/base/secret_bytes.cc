#include "base/secret_bytes.h"

#include <openssl/crypto.h>

#include <cstring>

namespace coffer {

SecretBytes::SecretBytes(size_t n) : buf_(n, 0) {}

SecretBytes::SecretBytes(const uint8_t* data, size_t n) : buf_(data, data + n) {}

SecretBytes SecretBytes::FromString(std::string_view s) {
  return SecretBytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

SecretBytes::~SecretBytes() { Wipe(); }

SecretBytes::SecretBytes(SecretBytes&& o) noexcept : buf_(std::move(o.buf_)) { o.buf_.clear(); }

SecretBytes& SecretBytes::operator=(SecretBytes&& o) noexcept {
  if (this != &o) {
    Wipe();
    buf_ = std::move(o.buf_);
    o.buf_.clear();
  }
  return *this;
}

void SecretBytes::Wipe() {
  if (!buf_.empty()) OPENSSL_cleanse(buf_.data(), buf_.size());
  buf_.clear();
  buf_.shrink_to_fit();
}

bool SecretBytes::Equals(const SecretBytes& o) const {
  return ConstantTimeEquals(view(), o.view());
}

bool SecretBytes::Equals(std::string_view o) const { return ConstantTimeEquals(view(), o); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void WipeString(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace coffer
