#pragma once
// Internal to crypto/: RAII owners for OpenSSL objects and a reader for OpenSSL's
// thread-local error queue. Not for use outside src/crypto/.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

namespace coffer::crypto::internal {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using EvpCipherCtxPtr =
    std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>>;

// Describes and clears every error queued on this thread, oldest first, as
// "reason; reason". Returns `fallback` when the queue is empty.
std::string TakeOpenSslErrors(const std::string& fallback = "unknown OpenSSL error");

}  // namespace coffer::crypto::internal
