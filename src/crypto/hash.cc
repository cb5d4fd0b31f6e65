#include "crypto/hash.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// HMAC as RFC 2104 builds it: the inner and outer digest states after the padded key are
// computed once; each Mac copies them into a per-thread context (no allocation beyond the
// digest state's own) and hashes only the message and the inner digest.
namespace {

constexpr size_t kSha256Block = 64;

EVP_MD_CTX* KeyedState(const unsigned char* block, unsigned char pad) {
  unsigned char buf[kSha256Block];
  for (size_t i = 0; i < kSha256Block; ++i) buf[i] = block[i] ^ pad;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, buf, sizeof buf) != 1) {
    DieOnLibraryFailure("HMAC-SHA256 key");
  }
  OPENSSL_cleanse(buf, sizeof buf);
  return ctx;
}

struct KeyedStates {
  EVP_MD_CTX* inner;
  EVP_MD_CTX* outer;
};

// One reusable context per thread (freed when the thread ends).
EVP_MD_CTX* ThreadContext() {
  struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Holder holder;
  if (holder.ctx == nullptr) DieOnLibraryFailure("EVP_MD_CTX_new");
  return holder.ctx;
}

}  // namespace

HmacSha256Key::HmacSha256Key(std::string_view key) {
  unsigned char block[kSha256Block] = {0};
  if (key.size() > kSha256Block) {
    std::string digest = Sha256(key);
    std::memcpy(block, digest.data(), digest.size());
    OPENSSL_cleanse(digest.data(), digest.size());
  } else if (!key.empty()) {
    std::memcpy(block, key.data(), key.size());
  }
  ctx_ = new KeyedStates{KeyedState(block, 0x36), KeyedState(block, 0x5c)};
  OPENSSL_cleanse(block, sizeof block);
}

HmacSha256Key::~HmacSha256Key() {
  auto* states = static_cast<KeyedStates*>(ctx_);
  if (states == nullptr) return;
  EVP_MD_CTX_free(states->inner);  // wipes the digest state
  EVP_MD_CTX_free(states->outer);
  delete states;
}

HmacSha256Key::HmacSha256Key(HmacSha256Key&& other) noexcept : ctx_(other.ctx_) {
  other.ctx_ = nullptr;
}

std::string HmacSha256Key::Mac(std::string_view data) const {
  const auto* states = static_cast<const KeyedStates*>(ctx_);
  EVP_MD_CTX* ctx = ThreadContext();
  unsigned char inner[SHA256_DIGEST_LENGTH];
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int len = 0, outer_len = 0;
  if (EVP_MD_CTX_copy_ex(ctx, states->inner) != 1 ||
      EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, inner, &len) != 1 || len != SHA256_DIGEST_LENGTH ||
      EVP_MD_CTX_copy_ex(ctx, states->outer) != 1 ||
      EVP_DigestUpdate(ctx, inner, sizeof inner) != 1 ||
      EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()), &outer_len) != 1 ||
      outer_len != SHA256_DIGEST_LENGTH) {
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
