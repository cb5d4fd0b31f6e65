#include "crypto/aes_gcm.h"

#include <openssl/evp.h>

#include <climits>

#include "crypto/openssl_util.h"

namespace coffer::crypto {

namespace {

using internal::EvpCipherCtxPtr;
using internal::TakeOpenSslErrors;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Status CheckKeyAndNonce(const SecretBytes& key, std::string_view nonce) {
  if (key.size() != kAesGcmKeySize) {
    return InvalidArgument("AES-256-GCM key must be 32 bytes, got " + std::to_string(key.size()));
  }
  if (nonce.size() != kAesGcmNonceSize) {
    return InvalidArgument("AES-GCM nonce must be 12 bytes, got " + std::to_string(nonce.size()));
  }
  return Status::Ok();
}

// EVP lengths are ints; refuse anything that does not fit rather than truncate.
Status CheckLength(std::string_view s, const char* what) {
  if (s.size() > static_cast<size_t>(INT_MAX) - kAesGcmTagSize) {
    return InvalidArgument(std::string("AES-GCM ") + what + " too large");
  }
  return Status::Ok();
}

// Creates a context initialised for AES-256-GCM with key and nonce (encrypt or decrypt).
Result<EvpCipherCtxPtr> NewContext(const SecretBytes& key, std::string_view nonce, bool encrypt) {
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Err(Internal("EVP_CIPHER_CTX_new: " + TakeOpenSslErrors()));
  int enc = encrypt ? 1 : 0;
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                          nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), Bytes(nonce), enc) != 1) {
    return Err(Internal("AES-GCM init: " + TakeOpenSslErrors()));
  }
  return ctx;
}

Status AddAad(EVP_CIPHER_CTX* ctx, std::string_view aad) {
  if (aad.empty()) return Status::Ok();
  int len = 0;
  if (EVP_CipherUpdate(ctx, nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1) {
    return Internal("AES-GCM aad: " + TakeOpenSslErrors());
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> AesGcmSeal(const SecretBytes& key, std::string_view nonce,
                               std::string_view plaintext, std::string_view aad) {
  COFFER_RETURN_IF_ERROR(CheckKeyAndNonce(key, nonce));
  COFFER_RETURN_IF_ERROR(CheckLength(plaintext, "plaintext"));
  COFFER_RETURN_IF_ERROR(CheckLength(aad, "aad"));
  COFFER_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, NewContext(key, nonce, /*encrypt=*/true));
  COFFER_RETURN_IF_ERROR(AddAad(ctx.get(), aad));

  std::string out(plaintext.size() + kAesGcmTagSize, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int total = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), dst, &len, Bytes(plaintext),
                          static_cast<int>(plaintext.size())) != 1) {
      return Err(Internal("AES-GCM encrypt: " + TakeOpenSslErrors()));
    }
    total = len;
  }
  if (EVP_EncryptFinal_ex(ctx.get(), dst + total, &len) != 1) {
    return Err(Internal("AES-GCM encrypt final: " + TakeOpenSslErrors()));
  }
  total += len;
  if (static_cast<size_t>(total) != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagSize),
                          dst + total) != 1) {
    return Err(Internal("AES-GCM get tag: " + TakeOpenSslErrors()));
  }
  return out;
}

Result<std::string> AesGcmOpen(const SecretBytes& key, std::string_view nonce,
                               std::string_view ciphertext_and_tag, std::string_view aad) {
  COFFER_RETURN_IF_ERROR(CheckKeyAndNonce(key, nonce));
  COFFER_RETURN_IF_ERROR(CheckLength(ciphertext_and_tag, "ciphertext"));
  COFFER_RETURN_IF_ERROR(CheckLength(aad, "aad"));
  if (ciphertext_and_tag.size() < kAesGcmTagSize) {
    return Err(Corruption("AES-GCM ciphertext shorter than its tag"));
  }
  std::string_view ciphertext =
      ciphertext_and_tag.substr(0, ciphertext_and_tag.size() - kAesGcmTagSize);
  std::string_view tag = ciphertext_and_tag.substr(ciphertext.size());

  COFFER_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, NewContext(key, nonce, /*encrypt=*/false));
  COFFER_RETURN_IF_ERROR(AddAad(ctx.get(), aad));

  std::string out(ciphertext.size(), '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int total = 0;
  if (!ciphertext.empty()) {
    if (EVP_DecryptUpdate(ctx.get(), dst, &len, Bytes(ciphertext),
                          static_cast<int>(ciphertext.size())) != 1) {
      WipeString(out);
      return Err(Internal("AES-GCM decrypt: " + TakeOpenSslErrors()));
    }
    total = len;
  }
  // The tag is an input here; OpenSSL's API takes a non-const pointer.
  std::string tag_copy(tag);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAesGcmTagSize),
                          tag_copy.data()) != 1) {
    WipeString(out);
    return Err(Internal("AES-GCM set tag: " + TakeOpenSslErrors()));
  }
  if (EVP_DecryptFinal_ex(ctx.get(), dst + total, &len) != 1) {
    // Authentication failed: the unauthenticated plaintext must not escape.
    WipeString(out);
    TakeOpenSslErrors();
    return Err(Corruption("cipher: message authentication failed"));
  }
  return out;
}

}  // namespace coffer::crypto
