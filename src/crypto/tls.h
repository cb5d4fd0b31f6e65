#pragma once
// TLS contexts for listeners and outbound connections, as raw OpenSSL SSL_CTX* (http/
// wraps them in boost::asio::ssl::context, which takes ownership), and the X.509
// helpers used by dev mode, tests and the cluster port.
//
// Option names and defaults follow Vault's listener stanza (tls_min_version,
// tls_cipher_suites, tls_require_and_verify_client_cert, tls_disable_client_certs,
// tls_client_ca_file) and its api client (VAULT_CACERT, VAULT_CAPATH, VAULT_TLS_SERVER_NAME,
// VAULT_SKIP_VERIFY). A finished SSL_CTX is safe to share between threads.

#include <openssl/ssl.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"

namespace coffer::crypto {

struct TlsServerOptions {
  std::string cert_file;  // PEM: the leaf first, then any intermediates
  std::string key_file;   // PEM private key, unencrypted
  // "tls10", "tls11", "tls12" or "tls13". TLS 1.0/1.1 need OpenSSL security level 0,
  // which is set only when min_version asks for them.
  std::string min_version = "tls12";
  std::string max_version = "tls13";
  // Go names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256). Listed
  // TLS 1.2 suites replace OpenSSL's TLS 1.2 list; listed TLS 1.3 suites replace its TLS 1.3
  // list; a version with none listed keeps OpenSSL's defaults. Unknown or unavailable
  // names are an error.
  std::vector<std::string> cipher_suites;
  std::string client_ca_file;         // PEM bundle the client certificate must chain to
  bool require_client_cert = false;   // verify against client_ca_file (system roots if empty)
  bool disable_client_certs = false;  // do not even ask for a client certificate
};

// A server context: caller owns it (SSL_CTX_free). Unless disable_client_certs, clients
// are asked for a certificate that is accepted unverified (the cert auth method checks it
// later); with require_client_cert it must be present and chain to client_ca_file.
// Errors are InvalidArgument naming the option or file and OpenSSL's reason.
Result<SSL_CTX*> NewServerTlsContext(const TlsServerOptions& options);

struct TlsClientOptions {
  std::string ca_file;  // PEM bundle of trusted roots; with ca_path empty too, system roots
  std::string ca_path;  // directory of hashed CA certificates (c_rehash)
  std::string client_cert_file, client_key_file;  // both or neither
  // The name the server certificate must match (DNS name or IP address). Set SNI per
  // connection with SSL_set_tlsext_host_name; when empty the caller checks the host.
  std::string server_name;
  bool insecure_skip_verify = false;
};

// A client context (TLS 1.2 or later): caller owns it (SSL_CTX_free).
Result<SSL_CTX*> NewClientTlsContext(const TlsClientOptions& options);

struct CertKeyPem {
  std::string cert_pem;
  std::string key_pem;  // PKCS#8, unencrypted: treat as secret
};

// A self-signed ECDSA P-256 certificate valid from one minute ago for `validity`, with
// the given subject alternative names. A CA certificate can sign with GenerateSignedBy;
// otherwise it is a server and client certificate that trusts itself.
Result<CertKeyPem> GenerateSelfSigned(const std::string& common_name,
                                      const std::vector<std::string>& dns_sans,
                                      const std::vector<std::string>& ip_sans,
                                      std::chrono::hours validity, bool is_ca);

// An ECDSA P-256 leaf certificate (server and client auth) signed by `ca`.
// InvalidArgument if ca does not parse, its key does not match, or it is not a CA.
Result<CertKeyPem> GenerateSignedBy(const CertKeyPem& ca, const std::string& common_name,
                                    const std::vector<std::string>& dns_sans,
                                    const std::vector<std::string>& ip_sans,
                                    std::chrono::hours validity);

// The notAfter time of the first certificate in cert_pem.
Result<std::chrono::system_clock::time_point> CertificateNotAfter(const std::string& cert_pem);

}  // namespace coffer::crypto
