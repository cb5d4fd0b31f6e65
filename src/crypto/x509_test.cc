#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crypto/openssl_util.h"
#include "crypto/tls.h"

namespace coffer::crypto {
namespace {

using internal::X509Ptr;
using std::chrono::hours;

X509Ptr Parse(const std::string& pem) {
  internal::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    int type = 0;
    auto* value = static_cast<ASN1_STRING*>(GENERAL_NAME_get0_value(gn, &type));
    std::string bytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                      ASN1_STRING_length(value));
    if (type == GEN_DNS) out.push_back("DNS:" + bytes);
    if (type == GEN_IPADD) out.push_back("IP:" + std::to_string(bytes.size()) + "bytes");
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string CommonName(X509* cert) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof(buf));
  return buf;
}

bool Verifies(X509* leaf, X509* root) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, root);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

TEST(X509Test, SelfSignedCa) {
  auto ca = GenerateSelfSigned("Coffer Test CA", {}, {}, hours(24), /*is_ca=*/true);
  ASSERT_TRUE(ca) << ca.error().ToString();
  EXPECT_NE(ca->cert_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(ca->key_pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  X509Ptr cert = Parse(ca->cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_EQ(CommonName(cert.get()), "Coffer Test CA");
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EVP_PKEY* pub = X509_get0_pubkey(cert.get());
  EXPECT_EQ(EVP_PKEY_get_base_id(pub), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(pub), 256);
  EXPECT_TRUE(Verifies(cert.get(), cert.get()));
}

TEST(X509Test, LeafSignedByCa) {
  auto ca = GenerateSelfSigned("ca", {}, {}, hours(48), true);
  ASSERT_TRUE(ca);
  auto leaf = GenerateSignedBy(*ca, "node1", {"localhost", "node1.coffer"}, {"127.0.0.1", "::1"},
                               hours(24));
  ASSERT_TRUE(leaf) << leaf.error().ToString();
  X509Ptr ca_cert = Parse(ca->cert_pem);
  X509Ptr cert = Parse(leaf->cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_EQ(CommonName(cert.get()), "node1");
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(cert.get()), X509_get_subject_name(ca_cert.get())),
            0);
  EXPECT_EQ(
      SubjectAltNames(cert.get()),
      (std::vector<std::string>{"DNS:localhost", "DNS:node1.coffer", "IP:4bytes", "IP:16bytes"}));
  EXPECT_EQ(X509_check_host(cert.get(), "node1.coffer", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_TRUE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_SERVER);
  EXPECT_TRUE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT);
  EXPECT_TRUE(Verifies(cert.get(), ca_cert.get()));
  auto other_ca = GenerateSelfSigned("ca", {}, {}, hours(48), true);
  EXPECT_FALSE(Verifies(cert.get(), Parse(other_ca->cert_pem).get()));
}

TEST(X509Test, NotAfterFollowsValidity) {
  auto before = std::chrono::system_clock::now();
  auto cert = GenerateSelfSigned("x", {"x"}, {}, hours(24 * 365 + 5), false);
  ASSERT_TRUE(cert);
  auto not_after = CertificateNotAfter(cert->cert_pem);
  ASSERT_TRUE(not_after);
  auto expected = before + hours(24 * 365 + 5);
  EXPECT_LT(std::chrono::abs(*not_after - expected), std::chrono::seconds(5));
}

TEST(X509Test, Errors) {
  auto ca = GenerateSelfSigned("ca", {}, {}, hours(1), true);
  auto leaf = GenerateSelfSigned("leaf", {}, {}, hours(1), false);
  ASSERT_TRUE(ca && leaf);

  auto not_ca = GenerateSignedBy(*leaf, "x", {}, {}, hours(1));
  ASSERT_FALSE(not_ca);
  EXPECT_NE(not_ca.error().message().find("not a CA"), std::string::npos);

  CertKeyPem mismatched{ca->cert_pem, leaf->key_pem};
  auto mismatch = GenerateSignedBy(mismatched, "x", {}, {}, hours(1));
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message().find("does not match"), std::string::npos);

  EXPECT_FALSE(GenerateSignedBy(CertKeyPem{"garbage", ca->key_pem}, "x", {}, {}, hours(1)));
  EXPECT_FALSE(GenerateSignedBy(CertKeyPem{ca->cert_pem, "garbage"}, "x", {}, {}, hours(1)));

  auto bad_ip = GenerateSelfSigned("x", {}, {"not-an-ip"}, hours(1), false);
  ASSERT_FALSE(bad_ip);
  EXPECT_NE(bad_ip.error().message().find("not-an-ip"), std::string::npos);
  EXPECT_FALSE(GenerateSelfSigned("x", {}, {}, hours(0), false));
  EXPECT_FALSE(
      CertificateNotAfter("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
}

}  // namespace
}  // namespace coffer::crypto
