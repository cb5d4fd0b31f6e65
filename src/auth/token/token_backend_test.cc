// auth/token/ through a real dev-mode CoreImpl (root token "root").
#include "engines/sys/sys_test_fixture.h"

namespace coffer::auth::token {
namespace {

using core::Operation;
using std::chrono::hours;

class TokenBackendTest : public testing::DevCoreTest {
 protected:
  Json Lookup(const std::string& token) {
    return Ok(Operation::kUpdate, "auth/token/lookup", {{"token", token}}).data;
  }
  bool Exists(const std::string& token) {
    return Do(Operation::kUpdate, "auth/token/lookup", {{"token", token}}).has_value();
  }
};

TEST_F(TokenBackendTest, CreateReturnsAuthAndLookupShowsVaultFields) {
  WritePolicy("dev", "path \"secret/*\" { capabilities = [\"read\"] }");
  auto r = Ok(Operation::kUpdate, "auth/token/create",
              {{"policies", {"dev"}},
               {"ttl", "1h"},
               {"meta", {{"team", "blue"}}},
               {"display_name", "ci job"},
               {"num_uses", 5}});
  ASSERT_TRUE(r.auth.has_value());
  const core::Auth& a = *r.auth;
  EXPECT_EQ(a.client_token.rfind("hvs.", 0), 0u);
  EXPECT_FALSE(a.accessor.empty());
  EXPECT_EQ(a.policies, (std::vector<std::string>{"default", "dev"}));
  EXPECT_EQ(a.token_policies, a.policies);
  EXPECT_EQ(a.metadata.at("team"), "blue");
  EXPECT_EQ(a.lease_duration, hours(1));
  EXPECT_TRUE(a.renewable);
  EXPECT_EQ(a.token_type, core::TokenType::kService);
  EXPECT_FALSE(a.orphan);
  EXPECT_EQ(a.num_uses, 5);
  EXPECT_TRUE(r.warnings.empty());

  Json d = Lookup(a.client_token);
  EXPECT_EQ(d["id"], a.client_token);
  EXPECT_EQ(d["accessor"], a.accessor);
  EXPECT_EQ(d["display_name"], "token-ci-job");
  EXPECT_EQ(d["path"], "auth/token/create");
  EXPECT_EQ(d["policies"], Json::array({"default", "dev"}));
  EXPECT_EQ(d["creation_ttl"], 3600);
  EXPECT_EQ(d["ttl"], 3600);
  EXPECT_EQ(d["num_uses"], 5);
  EXPECT_EQ(d["type"], "service");
  for (const char* f : {"creation_time", "expire_time", "explicit_max_ttl", "issue_time", "meta",
                        "orphan", "renewable", "entity_id"})
    EXPECT_TRUE(d.contains(f)) << f;

  auto by_accessor =
      Ok(Operation::kUpdate, "auth/token/lookup-accessor", {{"accessor", a.accessor}}).data;
  EXPECT_EQ(by_accessor["id"], "");
  EXPECT_EQ(by_accessor["accessor"], a.accessor);
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/lookup", {{"token", "hvs.bogus"}}).message(),
            "bad token");
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/lookup-accessor", {{"accessor", "x"}}).message(),
            "invalid accessor");
  // A policy that does not exist is allowed, with a warning.
  auto warned = Ok(Operation::kUpdate, "auth/token/create", {{"policies", {"ghost"}}});
  ASSERT_EQ(warned.warnings.size(), 1u);
  EXPECT_EQ(warned.warnings[0], "Policy \"ghost\" does not exist");
}

TEST_F(TokenBackendTest, LookupSelfWithTheDefaultPolicy) {
  std::string token = NewToken({});
  auto self = Ok(Operation::kRead, "auth/token/lookup-self", Json::object(), token).data;
  EXPECT_EQ(self["id"], token);
  EXPECT_EQ(self["policies"], Json::array({"root"}));  // inherits the parent's policies
  std::string plain = NewToken({"default"});
  EXPECT_EQ(Ok(Operation::kRead, "auth/token/lookup-self", Json::object(), plain).data["ttl"],
            768 * 3600);
}

TEST_F(TokenBackendTest, ChildPoliciesMustBeSubsetOfParent) {
  WritePolicy("creator", "path \"auth/token/create\" { capabilities = [\"update\"] }");
  WritePolicy("ops", "path \"secret/*\" { capabilities = [\"read\"] }");
  std::string parent = NewToken({"creator"});
  auto st = Fail(Operation::kUpdate, "auth/token/create", {{"policies", {"ops"}}}, parent);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "child policies must be subset of parent");
  auto child = Ok(Operation::kUpdate, "auth/token/create", {{"policies", {"creator"}}}, parent);
  EXPECT_EQ(child.auth->policies, (std::vector<std::string>{"creator", "default"}));
  // Sudo on the create path lifts the subset rule.
  WritePolicy("sudo-creator",
              "path \"auth/token/create\" { capabilities = [\"update\", \"sudo\"] }");
  std::string sudoer = NewToken({"sudo-creator"});
  auto lifted = Ok(Operation::kUpdate, "auth/token/create", {{"policies", {"ops"}}}, sudoer);
  EXPECT_EQ(lifted.auth->policies, (std::vector<std::string>{"default", "ops"}));
  // ...but only a root parent can create a root token.
  EXPECT_EQ(
      Fail(Operation::kUpdate, "auth/token/create", {{"policies", {"root"}}}, sudoer).message(),
      "root tokens may not be created without parent token being root");
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/create", {{"policies", {"response-wrapping"}}})
                .message(),
            "cannot assign policy \"response-wrapping\"");
}

TEST_F(TokenBackendTest, OrphansPeriodicAndCustomIdsNeedSudo) {
  WritePolicy("creator",
              "path \"auth/token/create*\" { capabilities = [\"update\"] }\n"
              "path \"auth/token/lookup\" { capabilities = [\"update\"] }");
  std::string plain = NewToken({"creator"});
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/create", {{"no_parent", true}}, plain).message(),
            "root or sudo privileges required to create orphan token");
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/create", {{"period", "1h"}}, plain).message(),
            "root or sudo privileges required to create periodic token");
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/create", {{"id", "mine"}}, plain).message(),
            "root or sudo privileges required to specify token id");
  // create-orphan is ACL-controlled instead.
  auto orphan = Ok(Operation::kUpdate, "auth/token/create-orphan", Json::object(), plain);
  EXPECT_TRUE(orphan.auth->orphan);
  EXPECT_EQ(Lookup(orphan.auth->client_token)["path"], "auth/token/create-orphan");

  auto custom = Ok(Operation::kUpdate, "auth/token/create", {{"id", "my-token"}});
  EXPECT_EQ(custom.auth->client_token, "my-token");
  EXPECT_EQ(Lookup("my-token")["id"], "my-token");
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/create", {{"id", "hvs.abc"}}).message(),
            "custom token ID cannot have the 'hvs.' prefix");
  auto periodic = Ok(Operation::kUpdate, "auth/token/create", {{"period", "2h"}, {"ttl", "10h"}});
  EXPECT_EQ(periodic.auth->lease_duration, hours(2));
  EXPECT_EQ(Lookup(periodic.auth->client_token)["period"], 7200);
  EXPECT_TRUE(Ok(Operation::kUpdate, "auth/token/create", {{"no_parent", true}}).auth->orphan);
}

TEST_F(TokenBackendTest, RevokeTreeAndRevokeOrphan) {
  WritePolicy("creator", "path \"auth/token/create\" { capabilities = [\"update\"] }");
  std::string parent = NewToken({"creator"});
  std::string child = NewToken({}, Json::object(), parent);
  std::string grandchild = NewToken({}, Json::object(), child);
  Ok(Operation::kUpdate, "auth/token/revoke", {{"token", parent}});
  EXPECT_FALSE(Exists(parent));
  EXPECT_FALSE(Exists(child));
  EXPECT_FALSE(Exists(grandchild));
  Ok(Operation::kUpdate, "auth/token/revoke", {{"token", "hvs.unknown"}});  // a no-op

  std::string p2 = NewToken({});
  std::string c2 = NewToken({}, Json::object(), p2);
  Ok(Operation::kUpdate, "auth/token/revoke-orphan", {{"token", p2}});
  EXPECT_FALSE(Exists(p2));
  ASSERT_TRUE(Exists(c2));
  EXPECT_EQ(Lookup(c2)["orphan"], true);

  std::string self = NewToken({"default"});
  Ok(Operation::kUpdate, "auth/token/revoke-self", Json::object(), self);
  EXPECT_FALSE(Exists(self));
  auto made = Ok(Operation::kUpdate, "auth/token/create", Json::object());
  Ok(Operation::kUpdate, "auth/token/revoke-accessor", {{"accessor", made.auth->accessor}});
  EXPECT_FALSE(Exists(made.auth->client_token));
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/revoke", Json::object()).message(),
            "missing token ID");
}

TEST_F(TokenBackendTest, SudoOnlyPathsRefuseOrdinaryTokens) {
  WritePolicy("broad", "path \"auth/token/*\" { capabilities = [\"update\", \"list\"] }");
  std::string broad = NewToken({"broad"});
  std::string victim = NewToken({});
  // "revoke-orphan/*" is a root path only with a suffix; the handler checks sudo itself.
  EXPECT_EQ(
      Fail(Operation::kUpdate, "auth/token/revoke-orphan", {{"token", victim}}, broad).message(),
      "root or sudo privileges required to revoke and orphan");
  EXPECT_EQ(Fail(Operation::kList, "auth/token/accessors", Json::object(), broad).code(),
            StatusCode::kPermissionDenied);
  auto list = Ok(Operation::kList, "auth/token/accessors").data;
  std::string accessor = Lookup(victim)["accessor"];
  auto keys = list["keys"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(keys.begin(), keys.end(), accessor), keys.end());
}

TEST_F(TokenBackendTest, RenewExtendsWithinLimits) {
  auto made =
      Ok(Operation::kUpdate, "auth/token/create", {{"ttl", "1h"}, {"policies", {"default"}}});
  std::string token = made.auth->client_token;
  clock_.Advance(std::chrono::minutes(30));
  auto renewed =
      Ok(Operation::kUpdate, "auth/token/renew", {{"token", token}, {"increment", "2h"}});
  ASSERT_TRUE(renewed.auth.has_value());
  EXPECT_EQ(renewed.auth->client_token, token);
  EXPECT_EQ(renewed.auth->lease_duration, hours(2));
  auto self = Ok(Operation::kUpdate, "auth/token/renew-self", Json::object(), token);
  EXPECT_EQ(self.auth->lease_duration, hours(1));  // no increment: the original TTL
  auto by_accessor = Ok(Operation::kUpdate, "auth/token/renew-accessor",
                        {{"accessor", made.auth->accessor}, {"increment", 600}});
  EXPECT_EQ(by_accessor.auth->client_token, "");
  EXPECT_EQ(by_accessor.auth->lease_duration, std::chrono::seconds(600));

  auto fixed = NewToken({"default"}, {{"renewable", false}});
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/renew", {{"token", fixed}}).message(),
            "lease is not renewable");
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/renew", {{"token", "root"}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/renew", {{"token", "hvs.x"}}).message(),
            "token not found");
  // Expired tokens are gone.
  clock_.Advance(hours(3));
  EXPECT_FALSE(Exists(token));
}

TEST_F(TokenBackendTest, TtlIsCappedByTheTokenMountAndExplicitMax) {
  Ok(Operation::kUpdate, "sys/auth/token/tune",
     {{"default_lease_ttl", "1h"}, {"max_lease_ttl", "2h"}});
  auto capped = Ok(Operation::kUpdate, "auth/token/create", {{"ttl", "10h"}});
  EXPECT_EQ(capped.auth->lease_duration, hours(2));
  ASSERT_EQ(capped.warnings.size(), 1u);
  EXPECT_NE(capped.warnings[0].find("capped accordingly"), std::string::npos);
  EXPECT_EQ(
      Ok(Operation::kUpdate, "auth/token/create", {{"policies", {"default"}}}).auth->lease_duration,
      hours(1));
  auto explicit_max =
      Ok(Operation::kUpdate, "auth/token/create", {{"ttl", "90m"}, {"explicit_max_ttl", "1h"}});
  EXPECT_EQ(explicit_max.auth->lease_duration, hours(1));
  // A root child of root with no TTL never expires and is not renewable.
  auto root_child = Ok(Operation::kUpdate, "auth/token/create", Json::object());
  EXPECT_EQ(root_child.auth->lease_duration, std::chrono::seconds(0));
  EXPECT_FALSE(root_child.auth->renewable);
  EXPECT_TRUE(Lookup(root_child.auth->client_token)["expire_time"].is_null());
  // ...but an expiring root token may not create one.
  std::string expiring_root = NewToken({"root"}, {{"ttl", "1h"}});
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/create", Json::object(), expiring_root).message(),
            "expiring root tokens cannot create non-expiring root tokens");
}

TEST_F(TokenBackendTest, BatchTokens) {
  WritePolicy("creator", "path \"auth/token/create\" { capabilities = [\"update\"] }");
  auto batch = Ok(Operation::kUpdate, "auth/token/create",
                  {{"type", "batch"}, {"policies", {"creator"}}, {"ttl", "20m"}});
  ASSERT_TRUE(batch.auth.has_value());
  std::string token = batch.auth->client_token;
  EXPECT_EQ(token.rfind("hvb.", 0), 0u);
  EXPECT_EQ(batch.auth->accessor, "");
  EXPECT_EQ(batch.auth->token_type, core::TokenType::kBatch);
  EXPECT_FALSE(batch.auth->renewable);
  EXPECT_EQ(Lookup(token)["type"], "batch");
  EXPECT_EQ(
      Fail(Operation::kUpdate, "auth/token/create", {{"type", "batch"}, {"num_uses", 3}}).message(),
      "batch tokens cannot have \"num_uses\" set");
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/create", {{"type", "odd"}}).message(),
            "invalid 'token_type' value");
  EXPECT_EQ(
      Fail(Operation::kUpdate, "auth/token/create", {{"policies", {"default"}}}, token).message(),
      "batch tokens cannot create more tokens");
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/renew", {{"token", token}}).message(),
            "batch tokens cannot be renewed");
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/revoke", {{"token", token}}).message(),
            "batch tokens cannot be revoked");
}

TEST_F(TokenBackendTest, RestrictedUseTokensCannotCreateTokens) {
  std::string limited = NewToken({}, {{"num_uses", 3}});
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/create", Json::object(), limited).message(),
            "restricted use token cannot generate child tokens");
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/create", {{"num_uses", -1}}).message(),
            "number of uses cannot be negative");
}

TEST_F(TokenBackendTest, TidyAnswers202AndDropsExpiredTokens) {
  auto made =
      Ok(Operation::kUpdate, "auth/token/create", {{"ttl", "1m"}, {"policies", {"default"}}});
  clock_.Advance(std::chrono::minutes(5));
  auto r = Ok(Operation::kUpdate, "auth/token/tidy");
  EXPECT_EQ(r.http_status, 202);
  ASSERT_TRUE(r.raw_body.has_value());
  EXPECT_NE(r.raw_body->find("Tidy operation successfully started"), std::string::npos);
  auto keys =
      Ok(Operation::kList, "auth/token/accessors").data["keys"].get<std::vector<std::string>>();
  EXPECT_EQ(std::find(keys.begin(), keys.end(), made.auth->accessor), keys.end());
}

TEST_F(TokenBackendTest, NumUsesTokenWorksThatManyTimesThenIsRevoked) {
  WritePolicy("app-read", "path \"secret/data/app\" { capabilities = [\"read\"] }");
  Ok(Operation::kUpdate, "secret/data/app", {{"data", {{"k", "v"}}}});
  std::string token = NewToken({"app-read"}, {{"num_uses", 2}, {"ttl", "1h"}});
  EXPECT_EQ(Lookup(token)["num_uses"], 2);
  EXPECT_EQ(Ok(Operation::kRead, "secret/data/app", Json::object(), token).data["data"]["k"], "v");
  EXPECT_EQ(Lookup(token)["num_uses"], 1);
  Ok(Operation::kRead, "secret/data/app", Json::object(), token);  // the last use
  EXPECT_FALSE(Exists(token));
  EXPECT_EQ(Fail(Operation::kRead, "secret/data/app", Json::object(), token).code(),
            StatusCode::kPermissionDenied);
}

TEST_F(TokenBackendTest, PeriodicTokensRenewToTheirPeriodPastTheMountMax) {
  Ok(Operation::kUpdate, "sys/auth/token/tune", {{"max_lease_ttl", "2h"}});
  std::string token = NewToken({"default"}, {{"period", "1h"}});
  for (int i = 0; i < 4; ++i) {  // 3h20m in all, past the 2h max
    clock_.Advance(std::chrono::minutes(50));
    auto r = Ok(Operation::kUpdate, "auth/token/renew", {{"token", token}, {"increment", "10m"}});
    EXPECT_EQ(r.auth->lease_duration, hours(1)) << i;
  }
  EXPECT_TRUE(Exists(token));
  // ...but never past an explicit max TTL.
  std::string capped = NewToken({"default"}, {{"period", "1h"}, {"explicit_max_ttl", "90m"}});
  clock_.Advance(std::chrono::minutes(50));
  auto r = Ok(Operation::kUpdate, "auth/token/renew", {{"token", capped}});
  EXPECT_EQ(r.auth->lease_duration, std::chrono::minutes(40));
  clock_.Advance(std::chrono::minutes(41));
  EXPECT_FALSE(Exists(capped));
}

TEST_F(TokenBackendTest, TypeServiceIsTheDefault) {
  auto service = Ok(Operation::kUpdate, "auth/token/create", {{"type", "service"}, {"ttl", "1h"}});
  EXPECT_EQ(service.auth->token_type, core::TokenType::kService);
  EXPECT_EQ(service.auth->client_token.rfind("hvs.", 0), 0u);
  EXPECT_EQ(Lookup(service.auth->client_token)["type"], "service");
  EXPECT_FALSE(Lookup(service.auth->client_token).contains("role"));
}

}  // namespace
}  // namespace coffer::auth::token
