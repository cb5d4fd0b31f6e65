#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <filesystem>
#include <fstream>

#include "crypto/tls.h"
#include "http/server_fixture.h"

namespace coffer::http::testing {
namespace {

// TLS listeners with a generated certificate written to a temporary directory.
class TlsServerTest : public ServerTest {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/coffer_http_tls_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    cert_a_ = WriteNewCert("a.example");
  }
  void TearDown() override {
    ServerTest::TearDown();
    std::filesystem::remove_all(dir_);
  }
  std::string WriteNewCert(const std::string& cn) {
    auto pem = crypto::GenerateSelfSigned(cn, {"localhost"}, {"127.0.0.1"}, 24h, false);
    EXPECT_TRUE(pem.has_value());
    std::ofstream(dir_ / "cert.pem") << pem->cert_pem;
    std::ofstream(dir_ / "key.pem") << pem->key_pem;
    return pem->cert_pem;
  }
  ListenerOptions Tls() {
    ListenerOptions l;
    l.address = "127.0.0.1:0";
    l.tls_cert_file = dir_ / "cert.pem";
    l.tls_key_file = dir_ / "key.pem";
    return l;
  }
  std::unique_ptr<TestConnection> TlsConnect(int min = TLS1_2_VERSION, int max = TLS1_3_VERSION) {
    std::string error;
    auto c = TestConnection::ConnectTls(port_, min, max, &error);
    EXPECT_NE(c, nullptr) << error;
    return c;
  }

  std::filesystem::path dir_;
  std::string cert_a_;
};

TEST_F(TlsServerTest, ServesTls12And13AndRefusesTls11) {
  Start({Tls()});
  for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    auto c = TlsConnect(v, v);
    ASSERT_NE(c, nullptr);
    auto r = c->RoundTrip(FormatRequest("GET", "/v1/sys/health"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    auto again = c->RoundTrip(FormatRequest("GET", "/v1/secret/x"));  // keep-alive over TLS
    ASSERT_TRUE(again);
    EXPECT_EQ(again->json()["data"]["path"], "secret/x");
  }
  std::string error;
  EXPECT_EQ(TestConnection::ConnectTls(port_, TLS1_VERSION, TLS1_1_VERSION, &error), nullptr);
  EXPECT_FALSE(error.empty());

  // Plain HTTP on a TLS port gets no HTTP answer.
  auto plain = TestConnection::Connect(port_);
  ASSERT_NE(plain, nullptr);
  plain->Send(FormatRequest("GET", "/v1/sys/health"));
  EXPECT_FALSE(plain->Read(2s).has_value());
}

TEST_F(TlsServerTest, ReloadSwapsCertificateForNewConnections) {
  Start({Tls()});
  auto before = TlsConnect();
  ASSERT_NE(before, nullptr);
  EXPECT_EQ(before->PeerCertificatePem(), cert_a_);
  ASSERT_EQ(before->RoundTrip(FormatRequest("GET", "/v1/sys/health"))->status, 200);

  std::string cert_b = WriteNewCert("b.example");
  ASSERT_NE(cert_b, cert_a_);
  Status st = server_->ReloadTls();
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto after = TlsConnect();
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->PeerCertificatePem(), cert_b);
  EXPECT_EQ(after->RoundTrip(FormatRequest("GET", "/v1/sys/health"))->status, 200);
  // The established connection keeps working.
  EXPECT_EQ(before->RoundTrip(FormatRequest("GET", "/v1/sys/health"))->status, 200);

  // A broken file: the error is reported and the last good certificate stays.
  std::ofstream(dir_ / "cert.pem") << "not a certificate";
  EXPECT_FALSE(server_->ReloadTls().ok());
  auto still = TlsConnect();
  ASSERT_NE(still, nullptr);
  EXPECT_EQ(still->PeerCertificatePem(), cert_b);
}

}  // namespace
}  // namespace coffer::http::testing
