#include "cluster/cluster_tls.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

namespace coffer::cluster {
namespace {

TEST(ClusterTlsTest, GeneratesAValidKeyringThatSurvivesJson) {
  auto tls = GenerateClusterTls();
  ASSERT_TRUE(tls) << tls.error().ToString();
  EXPECT_NE(tls->ca_cert_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(tls->cert_pem, tls->ca_cert_pem);
  SecretBytes json = ClusterTlsToJson(*tls);
  auto back = ClusterTlsFromJson(json.view());
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->ca_cert_pem, tls->ca_cert_pem);
  EXPECT_EQ(back->cert_pem, tls->cert_pem);
  EXPECT_TRUE(back->key_pem.Equals(tls->key_pem));
  EXPECT_TRUE(back->ca_key_pem.Equals(tls->ca_key_pem));

  for (bool server : {true, false}) {
    auto ctx = NewClusterSslContext(*back, server);
    ASSERT_TRUE(ctx) << ctx.error().ToString();
    EXPECT_EQ(SSL_CTX_get_verify_mode(*ctx), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    EXPECT_EQ(SSL_CTX_get_min_proto_version(*ctx), TLS1_2_VERSION);
    SSL_CTX_free(*ctx);
  }
}

TEST(ClusterTlsTest, RejectsMalformedOrMismatchedKeyrings) {
  auto a = GenerateClusterTls();
  auto b = GenerateClusterTls();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(ClusterTlsFromJson("{}"));
  EXPECT_FALSE(ClusterTlsFromJson("not json"));
  EXPECT_FALSE(ClusterTlsFromJson(R"({"version":2})"));

  // A node certificate from another CA.
  ClusterTls mixed = a->Clone();
  mixed.cert_pem = b->cert_pem;
  mixed.key_pem = b->key_pem.Clone();
  auto r = ClusterTlsFromJson(ClusterTlsToJson(mixed).view());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("does not verify"), std::string::npos);

  // A key that does not match its certificate.
  ClusterTls wrong_key = a->Clone();
  wrong_key.key_pem = b->key_pem.Clone();
  EXPECT_FALSE(ClusterTlsFromJson(ClusterTlsToJson(wrong_key).view()));
}

}  // namespace
}  // namespace coffer::cluster
