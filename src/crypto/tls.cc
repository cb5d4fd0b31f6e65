// TLS contexts (declared in tls.h). X.509 generation lives in x509.cc.

#include "crypto/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "crypto/openssl_util.h"

namespace coffer::crypto {

namespace {

using internal::SslCtxPtr;
using internal::TakeOpenSslErrors;

struct CipherName {
  std::string_view go;
  std::string_view openssl;  // empty: a name Go knows that OpenSSL 3 no longer offers
  bool tls13;
};

// Go's crypto/tls names (which Vault's tls_cipher_suites takes) to OpenSSL's.
constexpr CipherName kCiphers[] = {
    {"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", true},
    {"TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", true},
    {"TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", true},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", false},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", false},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", false},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256", false},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", false},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", false},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", false},
    {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA", false},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", false},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", false},
    {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256", false},
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", false},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", false},
    {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA", false},
    {"TLS_RSA_WITH_RC4_128_SHA", "", false},
    {"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "", false},
    {"TLS_ECDHE_RSA_WITH_RC4_128_SHA", "", false},
};

// Never prompt on a terminal for a PEM passphrase: encrypted keys fail to load instead.
int NoPassphrase(char*, int, int, void*) { return 0; }

// Requested-but-not-required client certificates are accepted whatever their chain;
// the cert auth method verifies them against its own roots.
int AcceptAnyClientCert(int, X509_STORE_CTX*) { return 1; }

Result<int> ParseTlsVersion(const std::string& value, const char* option, int fallback) {
  if (value.empty()) return fallback;
  if (value == "tls10") return TLS1_VERSION;
  if (value == "tls11") return TLS1_1_VERSION;
  if (value == "tls12") return TLS1_2_VERSION;
  if (value == "tls13") return TLS1_3_VERSION;
  return Err(InvalidArgument(std::string("'") + option + "' value \"" + value +
                             "\" not supported, please specify one of [tls10,tls11,tls12,tls13]"));
}

// Fails with the OS's reason when a configured file cannot be opened, which is clearer
// than OpenSSL's "system lib" for the common mistakes (typo, permissions).
Status CheckReadable(const std::string& path, const char* what) {
  if (path.empty()) return InvalidArgument(std::string(what) + " is not set");
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    int err = errno;
    return InvalidArgument("error loading " + std::string(what) + " \"" + path +
                           "\": " + std::strerror(err));
  }
  std::fclose(f);
  return Status::Ok();
}

Status FileError(const char* what, const std::string& path) {
  return InvalidArgument("error loading " + std::string(what) + " \"" + path +
                         "\": " + TakeOpenSslErrors());
}

Status KeyMismatch(const std::string& cert_file, const std::string& key_file) {
  return InvalidArgument("TLS key file \"" + key_file + "\" does not match certificate file \"" +
                         cert_file + "\": " + TakeOpenSslErrors());
}

Status LoadCertAndKey(SSL_CTX* ctx, const std::string& cert_file, const std::string& key_file) {
  if (Status s = CheckReadable(cert_file, "TLS certificate file"); !s.ok()) return s;
  if (Status s = CheckReadable(key_file, "TLS key file"); !s.ok()) return s;
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return FileError("TLS certificate file", cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    unsigned long err = ERR_peek_last_error();
    if (ERR_GET_LIB(err) == ERR_LIB_X509 && ERR_GET_REASON(err) == X509_R_KEY_VALUES_MISMATCH) {
      return KeyMismatch(cert_file, key_file);
    }
    return FileError("TLS key file", key_file);
  }
  // A key of another type lands in another slot without complaint; check the pair.
  if (SSL_CTX_check_private_key(ctx) != 1) return KeyMismatch(cert_file, key_file);
  return Status::Ok();
}

// Looks each Go name up, installs the TLS 1.2 and TLS 1.3 lists, then checks that every
// requested suite survived (OpenSSL silently drops ones it was built without).
Status SetCipherSuites(SSL_CTX* ctx, const std::vector<std::string>& names) {
  if (names.empty()) return Status::Ok();
  std::string tls12, tls13;
  std::vector<std::string_view> wanted;
  for (const std::string& name : names) {
    const CipherName* found = nullptr;
    for (const CipherName& c : kCiphers) {
      if (c.go == name) found = &c;
    }
    if (found == nullptr) return InvalidArgument("unsupported cipher \"" + name + "\"");
    if (found->openssl.empty()) {
      return InvalidArgument("cipher \"" + name + "\" is insecure and not supported");
    }
    std::string& list = found->tls13 ? tls13 : tls12;
    if (!list.empty()) list += ':';
    list += found->openssl;
    wanted.push_back(found->openssl);
  }
  if (!tls12.empty() && SSL_CTX_set_cipher_list(ctx, tls12.c_str()) != 1) {
    return InvalidArgument("tls_cipher_suites: no usable TLS 1.2 cipher: " + TakeOpenSslErrors());
  }
  if (!tls13.empty() && SSL_CTX_set_ciphersuites(ctx, tls13.c_str()) != 1) {
    return InvalidArgument("tls_cipher_suites: no usable TLS 1.3 cipher: " + TakeOpenSslErrors());
  }
  STACK_OF(SSL_CIPHER)* active = SSL_CTX_get_ciphers(ctx);
  for (std::string_view w : wanted) {
    bool present = false;
    for (int i = 0; i < sk_SSL_CIPHER_num(active); ++i) {
      if (w == SSL_CIPHER_get_name(sk_SSL_CIPHER_value(active, i))) present = true;
    }
    if (!present) {
      return InvalidArgument("cipher \"" + std::string(w) +
                             "\" is not available in this OpenSSL build");
    }
  }
  return Status::Ok();
}

Status SetVersions(SSL_CTX* ctx, const std::string& min_name, const std::string& max_name) {
  Result<int> min_or = ParseTlsVersion(min_name, "tls_min_version", TLS1_2_VERSION);
  if (!min_or) return min_or.error();
  Result<int> max_or = ParseTlsVersion(max_name, "tls_max_version", TLS1_3_VERSION);
  if (!max_or) return max_or.error();
  const int min = *min_or, max = *max_or;
  if (min > max) {
    return InvalidArgument("'tls_min_version' \"" + min_name +
                           "\" is greater than 'tls_max_version' \"" + max_name + "\"");
  }
  // OpenSSL 3 refuses TLS 1.0/1.1 (SHA-1 handshake signatures) at security level 1
  // and above; an operator who asks for them gets level 0.
  if (min < TLS1_2_VERSION) SSL_CTX_set_security_level(ctx, 0);
  if (SSL_CTX_set_min_proto_version(ctx, min) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, max) != 1) {
    return InvalidArgument("setting TLS versions: " + TakeOpenSslErrors());
  }
  return Status::Ok();
}

Status ConfigureClientCertificates(SSL_CTX* ctx, const TlsServerOptions& o) {
  if (o.disable_client_certs) {
    if (o.require_client_cert) {
      return InvalidArgument(
          "'tls_disable_client_certs' and 'tls_require_and_verify_client_cert' are mutually "
          "exclusive");
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return Status::Ok();
  }
  if (!o.client_ca_file.empty()) {
    if (Status s = CheckReadable(o.client_ca_file, "TLS client CA file"); !s.ok()) return s;
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.client_ca_file.c_str());
    if (names == nullptr) return FileError("TLS client CA file", o.client_ca_file);
    SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  }
  if (!o.require_client_cert) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, AcceptAnyClientCert);
    return Status::Ok();
  }
  if (o.client_ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return InvalidArgument("loading system CA certificates: " + TakeOpenSslErrors());
    }
  } else if (SSL_CTX_load_verify_locations(ctx, o.client_ca_file.c_str(), nullptr) != 1) {
    return FileError("TLS client CA file", o.client_ca_file);
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return Status::Ok();
}

Result<SslCtxPtr> NewContext(const SSL_METHOD* method) {
  SslCtxPtr ctx(SSL_CTX_new(method));
  if (!ctx) return Err(Internal("SSL_CTX_new: " + TakeOpenSslErrors()));
  SSL_CTX_set_default_passwd_cb(ctx.get(), NoPassphrase);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  return ctx;
}

Result<SSL_CTX*> NewServerContext(const TlsServerOptions& o) {
  COFFER_ASSIGN_OR_RETURN(SslCtxPtr ctx, NewContext(TLS_server_method()));
  SSL_CTX_set_options(ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Needed for session resumption whenever peer verification is on.
  static constexpr unsigned char kSessionContext[] = "coffer";
  SSL_CTX_set_session_id_context(ctx.get(), kSessionContext, sizeof(kSessionContext) - 1);
  COFFER_RETURN_IF_ERROR(SetVersions(ctx.get(), o.min_version, o.max_version));
  COFFER_RETURN_IF_ERROR(SetCipherSuites(ctx.get(), o.cipher_suites));
  COFFER_RETURN_IF_ERROR(LoadCertAndKey(ctx.get(), o.cert_file, o.key_file));
  COFFER_RETURN_IF_ERROR(ConfigureClientCertificates(ctx.get(), o));
  return ctx.release();
}

Status SetExpectedServerName(SSL_CTX* ctx, const std::string& name) {
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  // An IP address must match an IP SAN; anything else is a DNS name.
  if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1) return Status::Ok();
  ERR_clear_error();
  if (X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size()) != 1) {
    return InvalidArgument("invalid TLS server name \"" + name + "\": " + TakeOpenSslErrors());
  }
  return Status::Ok();
}

Result<SSL_CTX*> NewClientContext(const TlsClientOptions& o) {
  COFFER_ASSIGN_OR_RETURN(SslCtxPtr ctx, NewContext(TLS_client_method()));
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1) {
    return Err(Internal("setting TLS versions: " + TakeOpenSslErrors()));
  }
  if (o.insecure_skip_verify) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  } else {
    if (!o.ca_file.empty()) COFFER_RETURN_IF_ERROR(CheckReadable(o.ca_file, "CA certificate file"));
    if (o.ca_file.empty() && o.ca_path.empty()) {
      if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
        return Err(InvalidArgument("loading system CA certificates: " + TakeOpenSslErrors()));
      }
    } else if (SSL_CTX_load_verify_locations(
                   ctx.get(), o.ca_file.empty() ? nullptr : o.ca_file.c_str(),
                   o.ca_path.empty() ? nullptr : o.ca_path.c_str()) != 1) {
      return Err(InvalidArgument("error loading CA certificates from \"" +
                                 (o.ca_file.empty() ? o.ca_path : o.ca_file) +
                                 "\": " + TakeOpenSslErrors()));
    }
    if (!o.server_name.empty()) {
      COFFER_RETURN_IF_ERROR(SetExpectedServerName(ctx.get(), o.server_name));
    }
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  }
  if (o.client_cert_file.empty() != o.client_key_file.empty()) {
    return Err(InvalidArgument("client certificate and client key must be given together"));
  }
  if (!o.client_cert_file.empty()) {
    COFFER_RETURN_IF_ERROR(LoadCertAndKey(ctx.get(), o.client_cert_file, o.client_key_file));
  }
  return ctx.release();
}

}  // namespace

Result<SSL_CTX*> NewServerTlsContext(const TlsServerOptions& options) {
  auto ctx = NewServerContext(options);
  ERR_clear_error();  // leave this thread's queue clean for the caller's next SSL call
  return ctx;
}

Result<SSL_CTX*> NewClientTlsContext(const TlsClientOptions& options) {
  auto ctx = NewClientContext(options);
  ERR_clear_error();
  return ctx;
}

}  // namespace coffer::crypto
