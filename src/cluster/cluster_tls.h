#pragma once
// The cluster keyring: a self-signed cluster CA and one node certificate it signed,
// shared by every node of the cluster. Generated once at init, stored encrypted in the
// barrier and handed to joining nodes (ToJson/FromJson). Both ends of every cluster
// connection present the node certificate and accept only a peer whose certificate
// chains to the cluster CA: holding the keyring is what makes a node a member.

#include <chrono>
#include <string>

#include "base/secret_bytes.h"
#include "base/status.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace coffer::cluster {

struct ClusterTls {
  std::string ca_cert_pem;  // the trust anchor
  SecretBytes ca_key_pem;   // kept to issue new node certificates (rotation)
  std::string cert_pem;     // presented by every node, as server and as client
  SecretBytes key_pem;

  ClusterTls Clone() const;
};

// A new ECDSA P-256 cluster CA (CN "coffer-cluster-ca") and node certificate
// (CN "coffer-cluster", serverAuth + clientAuth), both valid for `validity`.
Result<ClusterTls> GenerateClusterTls(std::chrono::hours validity = std::chrono::hours(24 * 365 *
                                                                                       10));

// {"version":1,"ca_cert":..,"ca_key":..,"cert":..,"key":..} (PEM strings). The result
// holds private keys: it is secret.
SecretBytes ClusterTlsToJson(const ClusterTls& tls);
// InvalidArgument for anything but that shape, or when a key does not match its
// certificate or the node certificate is not signed by the CA.
Result<ClusterTls> ClusterTlsFromJson(std::string_view json);

// A TLS 1.2+ context presenting cert_pem/key_pem that requires the peer to present a
// certificate chaining to ca_cert_pem (handshake fails otherwise), for the accepting
// (server) or the dialling side. No host name check: the cluster CA is the identity.
// The caller owns the result (SSL_CTX_free).
Result<SSL_CTX*> NewClusterSslContext(const ClusterTls& tls, bool server);

}  // namespace coffer::cluster
