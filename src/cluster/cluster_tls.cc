#include "cluster/cluster_tls.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

#include "base/json.h"
#include "crypto/tls.h"

namespace coffer::cluster {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* s) const { X509_STORE_CTX_free(s); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

Result<X509Ptr> ParseCert(std::string_view pem, const char* what) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return Err(InvalidArgument(std::string("cluster tls: bad ") + what));
  return cert;
}

Result<PkeyPtr> ParseKey(std::string_view pem, const char* what) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return Err(InvalidArgument(std::string("cluster tls: bad ") + what));
  return key;
}

// Checks that both keys match their certificates and that the node certificate
// verifies against the CA.
Status Validate(const ClusterTls& tls) {
  COFFER_ASSIGN_OR_RETURN(X509Ptr ca, ParseCert(tls.ca_cert_pem, "CA certificate"));
  COFFER_ASSIGN_OR_RETURN(PkeyPtr ca_key, ParseKey(tls.ca_key_pem.view(), "CA key"));
  COFFER_ASSIGN_OR_RETURN(X509Ptr cert, ParseCert(tls.cert_pem, "node certificate"));
  COFFER_ASSIGN_OR_RETURN(PkeyPtr key, ParseKey(tls.key_pem.view(), "node key"));
  if (X509_check_private_key(ca.get(), ca_key.get()) != 1 ||
      X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return InvalidArgument("cluster tls: a key does not match its certificate");
  }
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> vctx(X509_STORE_CTX_new());
  if (!store || !vctx || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
      X509_STORE_CTX_init(vctx.get(), store.get(), cert.get(), nullptr) != 1) {
    return Internal("cluster tls: " + OpenSslError());
  }
  if (X509_verify_cert(vctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(vctx.get());
    ERR_clear_error();
    return InvalidArgument(std::string("cluster tls: node certificate does not verify: ") +
                           X509_verify_cert_error_string(err));
  }
  return Status::Ok();
}

}  // namespace

ClusterTls ClusterTls::Clone() const {
  return ClusterTls{ca_cert_pem, ca_key_pem.Clone(), cert_pem, key_pem.Clone()};
}

Result<ClusterTls> GenerateClusterTls(std::chrono::hours validity) {
  COFFER_ASSIGN_OR_RETURN(
      crypto::CertKeyPem ca,
      crypto::GenerateSelfSigned("coffer-cluster-ca", {}, {}, validity, /*is_ca=*/true));
  COFFER_ASSIGN_OR_RETURN(crypto::CertKeyPem node,
                          crypto::GenerateSignedBy(ca, "coffer-cluster", {}, {}, validity));
  ClusterTls tls;
  tls.ca_cert_pem = std::move(ca.cert_pem);
  tls.ca_key_pem = SecretBytes::FromString(ca.key_pem);
  tls.cert_pem = std::move(node.cert_pem);
  tls.key_pem = SecretBytes::FromString(node.key_pem);
  OPENSSL_cleanse(ca.key_pem.data(), ca.key_pem.size());
  OPENSSL_cleanse(node.key_pem.data(), node.key_pem.size());
  return tls;
}

SecretBytes ClusterTlsToJson(const ClusterTls& tls) {
  Json j = {{"version", 1},
            {"ca_cert", tls.ca_cert_pem},
            {"ca_key", tls.ca_key_pem.ToString()},
            {"cert", tls.cert_pem},
            {"key", tls.key_pem.ToString()}};
  std::string text = j.dump();
  SecretBytes out = SecretBytes::FromString(text);
  OPENSSL_cleanse(text.data(), text.size());
  for (const char* k : {"ca_key", "key"}) {
    auto& s = j[k].get_ref<std::string&>();
    OPENSSL_cleanse(s.data(), s.size());
  }
  return out;
}

Result<ClusterTls> ClusterTlsFromJson(std::string_view json) {
  COFFER_ASSIGN_OR_RETURN(Json j, ParseJson(json));
  if (!j.is_object() || j.value("version", Json()) != Json(1)) {
    return Err(InvalidArgument("cluster tls: not a version 1 cluster keyring"));
  }
  for (const char* k : {"ca_cert", "ca_key", "cert", "key"}) {
    if (!j.contains(k) || !j[k].is_string()) {
      return Err(InvalidArgument(std::string("cluster tls: missing \"") + k + "\""));
    }
  }
  ClusterTls tls;
  tls.ca_cert_pem = j["ca_cert"].get<std::string>();
  tls.ca_key_pem = SecretBytes::FromString(j["ca_key"].get_ref<const std::string&>());
  tls.cert_pem = j["cert"].get<std::string>();
  tls.key_pem = SecretBytes::FromString(j["key"].get_ref<const std::string&>());
  for (const char* k : {"ca_key", "key"}) {
    auto& s = j[k].get_ref<std::string&>();
    OPENSSL_cleanse(s.data(), s.size());
  }
  COFFER_RETURN_IF_ERROR(Validate(tls));
  return tls;
}

Result<SSL_CTX*> NewClusterSslContext(const ClusterTls& tls, bool server) {
  COFFER_ASSIGN_OR_RETURN(X509Ptr ca, ParseCert(tls.ca_cert_pem, "CA certificate"));
  COFFER_ASSIGN_OR_RETURN(X509Ptr cert, ParseCert(tls.cert_pem, "node certificate"));
  COFFER_ASSIGN_OR_RETURN(PkeyPtr key, ParseKey(tls.key_pem.view(), "node key"));
  std::unique_ptr<SSL_CTX, CtxFree> ctx(
      SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
  if (!ctx) return Err(Internal("cluster tls: " + OpenSslError()));
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    return Err(InvalidArgument("cluster tls: " + OpenSslError()));
  }
  // Trust exactly the cluster CA: a fresh store, no system roots.
  X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
  if (X509_STORE_add_cert(store, ca.get()) != 1) {
    return Err(Internal("cluster tls: " + OpenSslError()));
  }
  if (server) {
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    X509_NAME* name = X509_NAME_dup(X509_get_subject_name(ca.get()));
    if (names == nullptr || name == nullptr || sk_X509_NAME_push(names, name) == 0) {
      X509_NAME_free(name);
      sk_X509_NAME_pop_free(names, X509_NAME_free);
      return Err(Internal("cluster tls: out of memory"));
    }
    SSL_CTX_set_client_CA_list(ctx.get(), names);  // takes ownership
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_verify_depth(ctx.get(), 2);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
  return ctx.release();
}

}  // namespace coffer::cluster
