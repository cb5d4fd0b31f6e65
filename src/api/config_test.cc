#include <gtest/gtest.h>

#include <cstdlib>

#include "api/client.h"

namespace coffer::api {
namespace {

class EnvTest : public ::testing::Test {
 protected:
  void SetUp() override { Clear(); }
  void TearDown() override { Clear(); }
  static void Clear() {
    for (const char* n :
         {"ADDR", "TOKEN", "CACERT", "CAPATH", "CLIENT_CERT", "CLIENT_KEY", "SKIP_VERIFY",
          "TLS_SERVER_NAME", "NAMESPACE", "CLIENT_TIMEOUT", "WRAP_TTL", "FORMAT"}) {
      unsetenv((std::string("COFFER_") + n).c_str());
      unsetenv((std::string("VAULT_") + n).c_str());
    }
  }
};

TEST_F(EnvTest, DefaultsMatchVault) {
  ClientConfig c = ClientConfig::FromEnvironment();
  EXPECT_EQ(c.address, "https://127.0.0.1:8200");
  EXPECT_EQ(c.token, "");
  EXPECT_FALSE(c.tls_skip_verify);
  EXPECT_EQ(c.timeout.count(), 60000);
}

TEST_F(EnvTest, VaultVariablesAreRead) {
  setenv("VAULT_ADDR", "http://vault:8200", 1);
  setenv("VAULT_TOKEN", "s.abc", 1);
  setenv("VAULT_CACERT", "/ca.pem", 1);
  setenv("VAULT_SKIP_VERIFY", "true", 1);
  setenv("VAULT_TLS_SERVER_NAME", "vault.example", 1);
  setenv("VAULT_NAMESPACE", "ns1/", 1);
  setenv("VAULT_CLIENT_TIMEOUT", "5s", 1);
  setenv("VAULT_WRAP_TTL", "1m", 1);
  ClientConfig c = ClientConfig::FromEnvironment();
  EXPECT_EQ(c.address, "http://vault:8200");
  EXPECT_EQ(c.token, "s.abc");
  EXPECT_EQ(c.ca_cert, "/ca.pem");
  EXPECT_TRUE(c.tls_skip_verify);
  EXPECT_EQ(c.tls_server_name, "vault.example");
  EXPECT_EQ(c.namespace_, "ns1/");
  EXPECT_EQ(c.timeout.count(), 5000);
  EXPECT_EQ(c.wrap_ttl, "1m");
}

TEST_F(EnvTest, CofferVariablesWin) {
  setenv("VAULT_ADDR", "http://vault:8200", 1);
  setenv("COFFER_ADDR", "http://coffer:8200", 1);
  setenv("VAULT_TOKEN", "vault-token", 1);
  setenv("COFFER_TOKEN", "coffer-token", 1);
  setenv("VAULT_SKIP_VERIFY", "1", 1);
  setenv("COFFER_SKIP_VERIFY", "false", 1);
  setenv("COFFER_FORMAT", "json", 1);
  ClientConfig c = ClientConfig::FromEnvironment();
  EXPECT_EQ(c.address, "http://coffer:8200");
  EXPECT_EQ(c.token, "coffer-token");
  EXPECT_FALSE(c.tls_skip_verify);
  EXPECT_EQ(GetEnv("FORMAT"), "json");
}

TEST_F(EnvTest, UnparsableSkipVerifyKeepsVerification) {
  setenv("VAULT_SKIP_VERIFY", "maybe", 1);
  EXPECT_FALSE(ClientConfig::FromEnvironment().tls_skip_verify);
}

TEST(ParseBoolTest, GoForms) {
  EXPECT_EQ(ParseBool("T"), true);
  EXPECT_EQ(ParseBool("1"), true);
  EXPECT_EQ(ParseBool("False"), false);
  EXPECT_EQ(ParseBool("0"), false);
  EXPECT_EQ(ParseBool("yes"), std::nullopt);
}

TEST(FormatApiErrorTest, VaultErrorsList) {
  EXPECT_EQ(FormatApiError("GET", "https://127.0.0.1:8200/v1/secret/foo", 403,
                           R"({"errors":["permission denied"]})"),
            "Error making API request.\n\nURL: GET https://127.0.0.1:8200/v1/secret/foo\n"
            "Code: 403. Errors:\n\n* permission denied");
}

TEST(FormatApiErrorTest, SeveralErrorsOnePerLine) {
  EXPECT_EQ(FormatApiError("PUT", "http://x/v1/a", 400, R"({"errors":["one","two"]})"),
            "Error making API request.\n\nURL: PUT http://x/v1/a\nCode: 400. Errors:\n\n"
            "* one\n* two");
}

TEST(FormatApiErrorTest, NonJsonBodyIsRawMessage) {
  EXPECT_EQ(FormatApiError("GET", "http://x/v1/a", 502, "bad gateway"),
            "Error making API request.\n\nURL: GET http://x/v1/a\nCode: 502. Raw Message:\n\n"
            "bad gateway");
}

TEST(StatusCodeForHttpTest, Mapping) {
  EXPECT_EQ(StatusCodeForHttp(403), StatusCode::kPermissionDenied);
  EXPECT_EQ(StatusCodeForHttp(404), StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeForHttp(400), StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeForHttp(412), StatusCode::kPreconditionFailed);
  EXPECT_EQ(StatusCodeForHttp(503), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForHttp(500), StatusCode::kInternal);
}

}  // namespace
}  // namespace coffer::api
