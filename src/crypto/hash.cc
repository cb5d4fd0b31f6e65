#include "crypto/hash.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "crypto/openssl_util.h"

namespace coffer::crypto {

namespace {

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Failures of these one-shot primitives mean the library is broken (no SHA-256 in the
// default provider); there is no sensible way to continue.
[[noreturn]] void DieOnLibraryFailure(const char* what) {
  std::string reason = internal::TakeOpenSslErrors();
  fprintf(stderr, "coffer: fatal: %s failed: %s\n", what, reason.c_str());
  std::abort();
}

}  // namespace

std::string Sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 EVP_sha256(), nullptr) != 1 ||
      len != SHA256_DIGEST_LENGTH) {
    DieOnLibraryFailure("SHA-256");
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int len = 0;
  // HMAC() rejects a null key pointer even for an empty key.
  static const unsigned char kEmpty[1] = {0};
  const unsigned char* key_ptr = key.empty() ? kEmpty : Bytes(key);
  if (HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()), Bytes(data), data.size(),
           reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr ||
      len != SHA256_DIGEST_LENGTH) {
    DieOnLibraryFailure("HMAC-SHA256");
  }
  return out;
}

Result<SecretBytes> Hkdf(const SecretBytes& ikm, std::string_view salt, std::string_view info,
                         size_t len) {
  if (len == 0 || len > 255 * SHA256_DIGEST_LENGTH) {
    return Err(InvalidArgument("HKDF-SHA256 output length must be 1.." +
                               std::to_string(255 * SHA256_DIGEST_LENGTH)));
  }
  std::unique_ptr<EVP_KDF, internal::Deleter<EVP_KDF, EVP_KDF_free>> kdf(
      EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return Err(Internal("HKDF unavailable: " + internal::TakeOpenSslErrors()));
  std::unique_ptr<EVP_KDF_CTX, internal::Deleter<EVP_KDF_CTX, EVP_KDF_CTX_free>> ctx(
      EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return Err(Internal("HKDF context: " + internal::TakeOpenSslErrors()));

  // OSSL_PARAM wants non-const pointers to inputs it only reads.
  static char kDigest[] = "SHA256";
  static unsigned char kEmpty[1] = {0};
  auto* ikm_ptr = const_cast<unsigned char*>(ikm.data());
  OSSL_PARAM params[5];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, kDigest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                  ikm.empty() ? kEmpty : ikm_ptr, ikm.size());
  if (!salt.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                                    const_cast<char*>(salt.data()), salt.size());
  }
  if (!info.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                    const_cast<char*>(info.data()), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();

  SecretBytes out(len);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return Err(Internal("HKDF-SHA256 derive: " + internal::TakeOpenSslErrors()));
  }
  return out;
}

}  // namespace coffer::crypto
