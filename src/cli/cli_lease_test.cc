// End-to-end tests of the lease commands and of response wrapping (-wrap-ttl,
// COFFER_WRAP_TTL/VAULT_WRAP_TTL, the wrap_info output, unwrap) against the fake Vault.

#include <string>

#include "api/token_helper.h"
#include "cli/cli_test_util.h"

namespace coffer::cli {
namespace {

class CliLeaseTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    setenv("COFFER_TOKEN", "hvs.root", 1);
  }
  void TearDown() override {
    unsetenv("COFFER_TOKEN");
    unsetenv("VAULT_WRAP_TTL");
    CliTest::TearDown();
  }
  Json LastBody(const std::string& method, const std::string& path) {
    std::optional<api::testing::FakeRequest> r = vault_.Last(method, path);
    if (!r) return Json("no such request");
    return r->body.empty() ? Json() : Json::parse(r->body, nullptr, false);
  }
};

constexpr const char* kLease = "database/creds/ro/2f6a614c";

TEST_F(CliLeaseTest, LeaseRenewSendsIdAndIncrementAndPrintsTheLease) {
  ASSERT_EQ(Run({"lease", "renew", "-increment=1h", kLease}), 0) << err_;
  EXPECT_EQ(LastBody("PUT", "/v1/sys/leases/renew"),
            (Json{{"increment", 3600}, {"lease_id", kLease}}));
  EXPECT_EQ(out_,
            "Key                Value\n"
            "---                -----\n"
            "lease_id           database/creds/ro/2f6a614c\n"
            "lease_duration     1h\n"
            "lease_renewable    true\n");
  ASSERT_EQ(Run({"lease", "renew", "-format=json", std::string(" ") + kLease + "\n"}), 0);
  EXPECT_EQ(LastBody("PUT", "/v1/sys/leases/renew"),
            (Json{{"increment", 0}, {"lease_id", kLease}}));  // trimmed; no increment: 0
  EXPECT_EQ(OutJson()["lease_id"], kLease);
  EXPECT_EQ(OutJson()["lease_duration"], 3600);

  vault_.ClearRequests();
  EXPECT_EQ(Run({"lease", "renew"}), 1);
  EXPECT_EQ(err_, "Missing ID!\n");
  EXPECT_EQ(Run({"lease", "renew", "a", "b"}), 1);
  EXPECT_EQ(err_, "Too many arguments (expected 1-2, got 2)\n");
  EXPECT_EQ(Run({"lease", "renew", "-field=x", kLease}), 1);  // no -field, as Vault
  EXPECT_TRUE(vault_.requests().empty());
  EXPECT_EQ(Run({"lease", "renew", "kv/nope"}), 2);
  EXPECT_EQ(err_, "Error renewing kv/nope: Error making API request.\n\nURL: PUT " +
                      vault_.address() +
                      "/v1/sys/leases/renew\nCode: 400. Errors:\n\n* lease not found\n");
}

TEST_F(CliLeaseTest, LeaseRevokeModesAndMessages) {
  ASSERT_EQ(Run({"lease", "revoke", kLease}), 0) << err_;
  EXPECT_EQ(LastBody("PUT", "/v1/sys/leases/revoke"),
            (Json{{"lease_id", kLease}, {"sync", false}}));
  EXPECT_EQ(out_, "All revocation operations queued successfully!\n");
  ASSERT_EQ(Run({"lease", "revoke", "-sync", kLease}), 0);
  EXPECT_EQ(LastBody("PUT", "/v1/sys/leases/revoke"), (Json{{"lease_id", kLease}, {"sync", true}}));
  EXPECT_EQ(out_, "Success! Revoked lease: database/creds/ro/2f6a614c\n");

  ASSERT_EQ(Run({"lease", "revoke", "-prefix", "database/creds"}), 0);
  EXPECT_EQ(LastBody("PUT", "/v1/sys/leases/revoke-prefix/database/creds"),
            (Json{{"sync", false}}));
  EXPECT_EQ(out_, "All revocation operations queued successfully!\n");
  ASSERT_EQ(Run({"lease", "revoke", "-prefix", "-sync", "database/creds"}), 0);
  EXPECT_EQ(LastBody("PUT", "/v1/sys/leases/revoke-prefix/database/creds"), (Json{{"sync", true}}));
  EXPECT_EQ(out_, "Success! Revoked any leases with prefix: database/creds\n");

  ASSERT_EQ(Run({"lease", "revoke", "-f", "-prefix", "database/creds"}), 0);
  EXPECT_EQ(vault_.Last("PUT", "/v1/sys/leases/revoke-force/database/creds")->body, "");
  EXPECT_EQ(out_, "Success! Force revoked any leases with prefix: database/creds\n");
  EXPECT_EQ(err_,
            "Warning! Force-removing leases can cause Vault to become out of sync with\n"
            "secret engines!\n");

  vault_.ClearRequests();
  EXPECT_EQ(Run({"lease", "revoke", "-force", kLease}), 1);
  EXPECT_EQ(err_, "Specifying -force requires also specifying -prefix\n");
  EXPECT_EQ(Run({"lease", "revoke"}), 1);
  EXPECT_EQ(err_, "Not enough arguments (expected 1, got 0)\n");
  EXPECT_EQ(Run({"lease", "revoke", "a", "b"}), 1);
  EXPECT_EQ(err_, "Too many arguments (expected 1, got 2)\n");
  EXPECT_TRUE(vault_.requests().empty());

  vault_.FailPath("/v1/sys/leases/revoke", 400, "invalid lease");
  EXPECT_EQ(Run({"lease", "revoke", "x/y"}), 2);
  EXPECT_EQ(err_.rfind("Error revoking lease x/y: Error making API request.", 0), 0u) << err_;
  vault_.FailPath("/v1/sys/leases/revoke-prefix/x", 403, "permission denied");
  EXPECT_EQ(Run({"lease", "revoke", "-prefix", "x"}), 2);
  EXPECT_EQ(err_.rfind("Error revoking leases with prefix x: Error making API request.", 0), 0u);
  vault_.FailPath("/v1/sys/leases/revoke-force/x", 403, "permission denied");
  EXPECT_EQ(Run({"lease", "revoke", "-force", "-prefix", "x"}), 2);
  EXPECT_NE(err_.find("Error force revoking leases with prefix x: Error making API request."),
            std::string::npos);
}

TEST_F(CliLeaseTest, LeaseLookupPrintsTheLeaseData) {
  ASSERT_EQ(Run({"lease", "lookup", kLease}), 0) << err_;
  EXPECT_EQ(LastBody("PUT", "/v1/sys/leases/lookup"), (Json{{"lease_id", kLease}}));
  EXPECT_EQ(out_,
            "Key             Value\n"
            "---             -----\n"
            "expire_time     2024-01-02T16:04:05.123456Z\n"
            "id              database/creds/ro/2f6a614c\n"
            "issue_time      2024-01-02T15:04:05.123456Z\n"
            "last_renewal    <nil>\n"
            "renewable       true\n"
            "ttl             59m59s\n");
  ASSERT_EQ(Run({"lease", "lookup", "-format=json", kLease}), 0);
  EXPECT_EQ(OutJson()["data"]["ttl"], 3599);
  EXPECT_EQ(Run({"lease", "lookup"}), 1);
  EXPECT_EQ(err_, "Missing ID!\n");
  EXPECT_EQ(Run({"lease", "lookup", "a", "b"}), 1);
  EXPECT_EQ(err_, "Too many arguments (expected 1, got 2)\n");
  EXPECT_EQ(Run({"lease", "lookup", "kv/nope"}), 2);
  EXPECT_EQ(err_.rfind("error looking up lease id kv/nope: Error making API request.", 0), 0u);
}

TEST_F(CliLeaseTest, LeaseGroupHelp) {
  EXPECT_EQ(Run({"lease", "-h"}), 0);
  EXPECT_NE(out_.find("    lookup    Lookup the lease of a secret\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("    renew     Renews the lease of a secret\n"), std::string::npos);
  EXPECT_NE(out_.find("    revoke    Revokes leases and secrets\n"), std::string::npos);
  EXPECT_EQ(Run({"-h"}), 0);
  EXPECT_NE(out_.find("    lease "), std::string::npos);
  EXPECT_NE(out_.find("Interact with leases"), std::string::npos);
  EXPECT_EQ(Run({"lease", "revoke", "-h"}), 0);
  EXPECT_NE(out_.find("Usage: coffer lease revoke [options] ID"), std::string::npos);
  EXPECT_NE(out_.find("-sync"), std::string::npos);
  EXPECT_NE(out_.find("-wrap-ttl"), std::string::npos);
}

TEST_F(CliLeaseTest, WrapTtlWrapsTokenCreateAndPrintsTheWrapInfo) {
  ASSERT_EQ(Run({"token", "create", "-wrap-ttl=2m", "-policy=dev"}), 0) << err_;
  EXPECT_EQ(vault_.Last("POST", "/v1/auth/token/create")->Header("x-vault-wrap-ttl"), "2m0s");
  EXPECT_EQ(out_,
            "Key                              Value\n"
            "---                              -----\n"
            "wrapping_token:                  hvs.wrap-1\n"
            "wrapping_accessor:               wacc-1\n"
            "wrapping_token_ttl:              2m\n"
            "wrapping_token_creation_time:    2024-01-02 15:04:05.123456 +0000 UTC\n"
            "wrapping_token_creation_path:    auth/token/create\n"
            "wrapped_accessor:                acc-hvs.child\n");

  ASSERT_EQ(Run({"token", "create", "-wrap-ttl=120", "-field=wrapping_token"}), 0);
  EXPECT_EQ(out_, "hvs.wrap-2");
  ASSERT_EQ(Run({"token", "create", "-wrap-ttl=1h", "-format=json"}), 0);
  Json j = OutJson();
  EXPECT_EQ(j["wrap_info"]["token"], "hvs.wrap-3");
  EXPECT_EQ(j["wrap_info"]["ttl"], 3600);
  EXPECT_TRUE(j["auth"].is_null());

  // Without -wrap-ttl nothing is wrapped.
  ASSERT_EQ(Run({"token", "create"}), 0);
  EXPECT_EQ(vault_.Last("POST", "/v1/auth/token/create")->Header("x-vault-wrap-ttl"), "");
  EXPECT_NE(out_.find("token                hvs.child\n"), std::string::npos);
}

TEST_F(CliLeaseTest, WrapTtlFromTheEnvironmentIsSentAsADuration) {
  setenv("VAULT_WRAP_TTL", "90s", 1);
  ASSERT_EQ(Run({"token", "lookup", "-field=wrapping_token_ttl"}), 0) << err_;
  EXPECT_EQ(vault_.Last("GET", "/v1/auth/token/lookup-self")->Header("x-vault-wrap-ttl"), "1m30s");
  EXPECT_EQ(out_, "90");
  ASSERT_EQ(Run({"token", "lookup", "-wrap-ttl=5m"}), 0);  // the flag wins
  EXPECT_EQ(vault_.Last("GET", "/v1/auth/token/lookup-self")->Header("x-vault-wrap-ttl"), "5m0s");
  unsetenv("VAULT_WRAP_TTL");
}

TEST_F(CliLeaseTest, WriteForceWithoutDataAndWrappedSecretId) {
  ASSERT_EQ(Run({"write", "-f", "auth/approle/role/x/secret-id"}), 0) << err_;
  EXPECT_EQ(vault_.Last("PUT", "/v1/auth/approle/role/x/secret-id")->body, "{}");
  EXPECT_NE(out_.find("secret_id             sid-1\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("secret_id_ttl         0s\n"), std::string::npos) << out_;

  ASSERT_EQ(Run({"write", "-wrap-ttl=60s", "-field=wrapping_token", "-force",
                 "auth/approle/role/x/secret-id"}),
            0);
  EXPECT_EQ(out_, "hvs.wrap-1");
  EXPECT_EQ(vault_.Last("PUT", "/v1/auth/approle/role/x/secret-id")->Header("x-vault-wrap-ttl"),
            "1m0s");
  ASSERT_EQ(Run({"unwrap", "-field=secret_id", "hvs.wrap-1"}), 0) << err_;
  EXPECT_EQ(out_, "sid-1");
}

TEST_F(CliLeaseTest, WritingToWrappingWrapIsWrappedForFiveMinutes) {
  ASSERT_EQ(Run({"write", "sys/wrapping/wrap", "zip=zap"}), 0) << err_;
  EXPECT_EQ(vault_.Last("PUT", "/v1/sys/wrapping/wrap")->Header("x-vault-wrap-ttl"), "5m");
  EXPECT_NE(out_.find("wrapping_token_ttl:              5m\n"), std::string::npos) << out_;
  ASSERT_EQ(Run({"unwrap", "hvs.wrap-1"}), 0) << err_;
  EXPECT_EQ(out_, "Key    Value\n---    -----\nzip    zap\n");
}

TEST_F(CliLeaseTest, UnwrapByArgumentPrintsTheWrappedAuthOnce) {
  ASSERT_EQ(Run({"token", "create", "-wrap-ttl=2m", "-field=wrapping_token"}), 0);
  ASSERT_EQ(out_, "hvs.wrap-1");
  ASSERT_EQ(Run({"unwrap", " hvs.wrap-1 "}), 0) << err_;
  auto req = vault_.Last("PUT", "/v1/sys/wrapping/unwrap");
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(req->Header("x-vault-token"), "hvs.root");
  EXPECT_EQ(req->Header("x-vault-wrap-ttl"), "");
  EXPECT_EQ(Json::parse(req->body), (Json{{"token", "hvs.wrap-1"}}));
  EXPECT_NE(out_.find("token                hvs.child\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("token_accessor       acc-hvs.child\n"), std::string::npos);

  EXPECT_EQ(Run({"unwrap", "hvs.wrap-1"}), 2);  // single use
  EXPECT_EQ(err_, "Error unwrapping: Error making API request.\n\nURL: PUT " + vault_.address() +
                      "/v1/sys/wrapping/unwrap\nCode: 400. Errors:\n\n* wrapping token is not "
                      "valid or does not exist\n");
  EXPECT_EQ(Run({"unwrap", "a", "b"}), 1);
  EXPECT_EQ(err_, "Too many arguments (expected 0-1, got 2)\n");
}

TEST_F(CliLeaseTest, UnwrapWithoutArgumentUsesTheClientToken) {
  vault_.AddWrapped("hvs.w", 200, Json{{"data", {{"foo", "bar"}}}});
  setenv("COFFER_TOKEN", "hvs.w", 1);
  ASSERT_EQ(Run({"unwrap"}), 0) << err_;
  auto req = vault_.Last("PUT", "/v1/sys/wrapping/unwrap");
  EXPECT_EQ(req->Header("x-vault-token"), "hvs.w");
  EXPECT_EQ(req->body, "");
  EXPECT_EQ(out_, "Key    Value\n---    -----\nfoo    bar\n");

  // The client's own token as the argument: no body either.
  vault_.AddWrapped("hvs.w", 200, Json{{"data", {{"foo", "bar"}}}});
  ASSERT_EQ(Run({"unwrap", "-field=foo", "hvs.w"}), 0);
  EXPECT_EQ(vault_.Last("PUT", "/v1/sys/wrapping/unwrap")->body, "");
  EXPECT_EQ(out_, "bar");

  // No client token at all: the argument becomes the request's token.
  unsetenv("COFFER_TOKEN");
  vault_.AddWrapped("hvs.v", 200, Json{{"data", {{"foo", "baz"}}}});
  ASSERT_EQ(Run({"unwrap", "-format=json", "hvs.v"}), 0) << err_;
  req = vault_.Last("PUT", "/v1/sys/wrapping/unwrap");
  EXPECT_EQ(req->Header("x-vault-token"), "hvs.v");
  EXPECT_EQ(req->body, "");
  EXPECT_EQ(OutJson()["data"]["foo"], "baz");
}

TEST_F(CliLeaseTest, UnwrapOfAListAndOfNothing) {
  ASSERT_EQ(Run({"policy", "write", "dev", "-"}, "path \"a\" {}\n"), 0);
  ASSERT_EQ(Run({"list", "-wrap-ttl=1m", "sys/policies/acl"}), 0) << err_;
  EXPECT_EQ(vault_.Last("LIST", "/v1/sys/policies/acl/")->Header("x-vault-wrap-ttl"), "1m0s");
  EXPECT_NE(out_.find("wrapping_token:                  hvs.wrap-1\n"), std::string::npos);
  ASSERT_EQ(Run({"list", "-wrap-ttl=1m", "sys/policies/acl"}), 0);
  ASSERT_EQ(Run({"unwrap", "hvs.wrap-1"}), 0) << err_;
  EXPECT_EQ(out_, "Keys\n----\ndev\n");
  ASSERT_EQ(Run({"unwrap", "-format=json", "hvs.wrap-2"}), 0);
  EXPECT_EQ(OutJson(), Json::array({"dev"}));

  // A wrapped 404 that carries warnings is the wrapped response; one without is an error.
  vault_.AddWrapped("hvs.w404", 404, Json{{"data", nullptr}, {"warnings", {"nothing here"}}});
  ASSERT_EQ(Run({"unwrap", "hvs.w404"}), 0) << err_;
  EXPECT_NE(err_.find("* nothing here"), std::string::npos) << err_;
  vault_.AddWrapped("hvs.e404", 404, Json{{"errors", Json::array()}});
  EXPECT_EQ(Run({"unwrap", "hvs.e404"}), 2);
  EXPECT_EQ(err_.rfind("Error unwrapping: Error making API request.", 0), 0u) << err_;
  vault_.AddWrapped("hvs.empty", 204, Json());
  EXPECT_EQ(Run({"unwrap", "hvs.empty"}), 2);
  EXPECT_EQ(err_, "Could not find wrapped response\n");
}

}  // namespace
}  // namespace coffer::cli
