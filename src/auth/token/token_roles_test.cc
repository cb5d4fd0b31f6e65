// auth/token/roles and auth/token/create/<role> through a real dev-mode CoreImpl.
#include "auth/token/token_role.h"
#include "engines/sys/sys_test_fixture.h"

namespace coffer::auth::token {
namespace {

using core::Operation;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

class TokenRolesTest : public testing::DevCoreTest {
 protected:
  void SetUp() override {
    DevCoreTest::SetUp();
    // An ordinary caller: may create against any role, holds no sudo.
    WritePolicy("creator",
                "path \"auth/token/create/*\" { capabilities = [\"update\"] }\n"
                "path \"auth/token/create\" { capabilities = [\"update\"] }");
    creator_ = NewToken({"creator"});
  }
  void WriteRole(const std::string& name, Json fields) {
    Ok(Operation::kUpdate, "auth/token/roles/" + name, std::move(fields));
  }
  Json ReadRole(const std::string& name) {
    return Ok(Operation::kRead, "auth/token/roles/" + name).data;
  }
  core::Response CreateAgainst(const std::string& role, Json fields = Json::object()) {
    return Ok(Operation::kUpdate, "auth/token/create/" + role, std::move(fields), creator_);
  }
  std::string FailCreate(const std::string& role, Json fields = Json::object()) {
    return Fail(Operation::kUpdate, "auth/token/create/" + role, std::move(fields), creator_)
        .message();
  }
  Json Lookup(const std::string& token) {
    return Ok(Operation::kUpdate, "auth/token/lookup", {{"token", token}}).data;
  }
  bool Exists(const std::string& token) {
    return Do(Operation::kUpdate, "auth/token/lookup", {{"token", token}}).has_value();
  }

  std::string creator_;
};

TEST(TokenRoleGlob, MatchesLikeGoGlob) {
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("dev-*", "dev-a"));
  EXPECT_TRUE(GlobMatch("*-prod", "db-prod"));
  EXPECT_TRUE(GlobMatch("a*b*c", "a-x-b-y-c"));
  EXPECT_TRUE(GlobMatch("exact", "exact"));
  EXPECT_FALSE(GlobMatch("exact", "exactly"));
  EXPECT_FALSE(GlobMatch("dev-*", "prod-a"));
  EXPECT_FALSE(GlobMatch("a*b*c", "a-c-b"));
  EXPECT_FALSE(GlobMatch("ab*ba", "aba"));  // prefix and suffix may not overlap
}

TEST_F(TokenRolesTest, CreateReadUpdateListDelete) {
  WriteRole("ci", {{"allowed_policies", "Dev, ops,dev"},
                   {"disallowed_policies", {"Admin"}},
                   {"allowed_policies_glob", {"team-*"}},
                   {"disallowed_policies_glob", "secret-*"},
                   {"token_period", "1h"},
                   {"token_explicit_max_ttl", 7200},
                   {"token_num_uses", 3},
                   {"token_bound_cidrs", {"10.0.0.0/8"}},
                   {"allowed_entity_aliases", {"Bot-*"}},
                   {"path_suffix", "rev1"}});
  Json r = ReadRole("ci");
  EXPECT_EQ(r["name"], "ci");
  EXPECT_EQ(r["allowed_policies"], Json::array({"dev", "ops"}));
  EXPECT_EQ(r["disallowed_policies"], Json::array({"admin"}));
  EXPECT_EQ(r["allowed_policies_glob"], Json::array({"team-*"}));
  EXPECT_EQ(r["disallowed_policies_glob"], Json::array({"secret-*"}));
  EXPECT_EQ(r["orphan"], false);
  EXPECT_EQ(r["renewable"], true);
  EXPECT_EQ(r["path_suffix"], "rev1");
  EXPECT_EQ(r["token_period"], 3600);
  EXPECT_EQ(r["period"], 0);
  EXPECT_EQ(r["token_explicit_max_ttl"], 7200);
  EXPECT_EQ(r["explicit_max_ttl"], 0);
  EXPECT_EQ(r["token_num_uses"], 3);
  EXPECT_EQ(r["token_bound_cidrs"], Json::array({"10.0.0.0/8"}));
  EXPECT_FALSE(r.contains("bound_cidrs"));
  EXPECT_EQ(r["token_type"], "default-service");
  EXPECT_EQ(r["token_no_default_policy"], false);
  EXPECT_EQ(r["allowed_entity_aliases"], Json::array({"bot-*"}));
  // Fields Vault's role endpoint does not take are not stored or shown.
  for (const char* absent : {"token_ttl", "token_max_ttl", "token_policies"})
    EXPECT_FALSE(r.contains(absent)) << absent;

  // An update changes only what it sends.
  WriteRole("ci", {{"orphan", true}, {"renewable", false}});
  r = ReadRole("ci");
  EXPECT_EQ(r["orphan"], true);
  EXPECT_EQ(r["renewable"], false);
  EXPECT_EQ(r["allowed_policies"], Json::array({"dev", "ops"}));
  EXPECT_EQ(r["token_period"], 3600);
  EXPECT_EQ(r["path_suffix"], "rev1");

  // A new role gets the defaults.
  WriteRole("plain", Json::object());
  Json p = ReadRole("plain");
  EXPECT_EQ(p["renewable"], true);
  EXPECT_EQ(p["orphan"], false);
  EXPECT_EQ(p["allowed_policies"], Json::array());
  EXPECT_EQ(p["token_type"], "default-service");
  EXPECT_FALSE(p.contains("token_num_uses"));
  EXPECT_FALSE(p.contains("token_bound_cidrs"));
  EXPECT_TRUE(p["allowed_entity_aliases"].is_null());

  EXPECT_EQ(Ok(Operation::kList, "auth/token/roles").data["keys"], Json::array({"ci", "plain"}));
  Ok(Operation::kDelete, "auth/token/roles/ci");
  EXPECT_EQ(Fail(Operation::kRead, "auth/token/roles/ci").code(), StatusCode::kNotFound);
  EXPECT_EQ(Ok(Operation::kList, "auth/token/roles").data["keys"], Json::array({"plain"}));
  Ok(Operation::kDelete, "auth/token/roles/never-was");  // deleting nothing is fine
}

TEST_F(TokenRolesTest, DeprecatedFieldsAreReadAsVaultDoes) {
  WriteRole("old", {{"period", "1h"}, {"explicit_max_ttl", "2h"}, {"bound_cidrs", "127.0.0.1/32"}});
  Json r = ReadRole("old");
  EXPECT_EQ(r["period"], 3600);
  EXPECT_EQ(r["token_period"], 3600);
  EXPECT_EQ(r["explicit_max_ttl"], 7200);
  EXPECT_EQ(r["token_explicit_max_ttl"], 7200);
  EXPECT_EQ(r["bound_cidrs"], Json::array({"127.0.0.1/32"}));
  EXPECT_EQ(r["token_bound_cidrs"], Json::array({"127.0.0.1/32"}));
  // Both spellings: the token_ one wins, with a warning, and the old copy is cleared.
  auto both =
      Ok(Operation::kUpdate, "auth/token/roles/old", {{"period", "1h"}, {"token_period", "30m"}});
  ASSERT_EQ(both.warnings.size(), 1u);
  EXPECT_EQ(both.warnings[0],
            "Both 'token_period' and deprecated 'period' value supplied, ignoring the "
            "deprecated value");
  r = ReadRole("old");
  EXPECT_EQ(r["period"], 0);
  EXPECT_EQ(r["token_period"], 1800);
}

TEST_F(TokenRolesTest, WritesAreValidated) {
  auto fail = [this](Json fields) {
    return Fail(Operation::kUpdate, "auth/token/roles/bad", std::move(fields)).message();
  };
  EXPECT_EQ(fail({{"path_suffix", "!!"}}),
            "given role path suffix contains invalid characters; must match \\w[\\w-.]+\\w");
  // Vault's pattern needs three characters at least.
  EXPECT_NE(fail({{"path_suffix", "v1"}}).find("contains invalid characters"), std::string::npos);
  EXPECT_EQ(fail({{"path_suffix", "a..b"}}),
            "error registering path suffix: path cannot contain parent references");
  EXPECT_EQ(fail({{"token_type", "default"}}), "invalid 'token_type' value \"default\"");
  EXPECT_EQ(fail({{"token_type", "batch"}}),
            "'token_type' cannot be 'batch' when role is set to generate non-orphan tokens");
  EXPECT_EQ(fail({{"token_type", "batch"}, {"orphan", true}}),
            "'token_type' cannot be 'batch' when role is set to generate renewable tokens");
  EXPECT_EQ(fail({{"token_type", "batch"}, {"orphan", true}, {"renewable", false}, {"period", 60}}),
            "'token_type' cannot be 'batch' when role is set to generate periodic tokens");
  EXPECT_EQ(fail({{"token_type", "batch"},
                  {"orphan", true},
                  {"renewable", false},
                  {"token_explicit_max_ttl", 60}}),
            "'token_type' cannot be 'batch' when role is set to generate tokens with an "
            "explicit max TTL");
  EXPECT_EQ(fail({{"token_bound_cidrs", "not-an-ip"}}),
            "error parsing role fields: failed to parse \"not-an-ip\" as an IP address or CIDR "
            "block");
  EXPECT_EQ(fail({{"bound_cidrs", "300.1.1.1"}}),
            "error parsing bound_cidrs: failed to parse \"300.1.1.1\" as an IP address or CIDR "
            "block");
  EXPECT_EQ(fail({{"token_num_uses", -1}}),
            "error parsing role fields: 'token_num_uses' cannot be negative");
  EXPECT_EQ(Fail(Operation::kRead, "auth/token/roles/bad").code(), StatusCode::kNotFound);

  // An explicit max above the mount's max is stored, with Vault's warning.
  Ok(Operation::kUpdate, "sys/auth/token/tune", {{"max_lease_ttl", "2h"}});
  auto warned = Ok(Operation::kUpdate, "auth/token/roles/long", {{"token_explicit_max_ttl", "3h"}});
  ASSERT_EQ(warned.warnings.size(), 1u);
  EXPECT_EQ(warned.warnings[0],
            "Given explicit max TTL of 10800 is greater than system/mount allowed value of 7200 "
            "seconds; until this is fixed attempting to create tokens against this role will "
            "result in an error");
}

TEST_F(TokenRolesTest, UnknownRole) { EXPECT_EQ(FailCreate("nope"), "unknown role nope"); }

TEST_F(TokenRolesTest, AllowedPoliciesReplaceTheParentSubsetRule) {
  WriteRole("ci", {{"allowed_policies", {"dev", "ops"}}});
  // The role may hand out policies the (non-sudo) parent does not hold.
  auto all = CreateAgainst("ci");
  EXPECT_EQ(all.auth->policies, (std::vector<std::string>{"default", "dev", "ops"}));
  Json d = Lookup(all.auth->client_token);
  EXPECT_EQ(d["path"], "auth/token/create/ci");
  EXPECT_EQ(d["role"], "ci");
  EXPECT_EQ(d["orphan"], false);
  EXPECT_EQ(CreateAgainst("ci", {{"policies", {"dev"}}}).auth->policies,
            (std::vector<std::string>{"default", "dev"}));
  EXPECT_EQ(
      CreateAgainst("ci", {{"policies", {"dev"}}, {"no_default_policy", true}}).auth->policies,
      (std::vector<std::string>{"dev"}));
  EXPECT_EQ(FailCreate("ci", {{"policies", {"admin"}}}),
            "token policies ([\"admin\" \"default\"]) must be subset of the role's allowed "
            "policies ([\"default\" \"dev\" \"ops\"]) or glob policies ([])");

  WriteRole("teams", {{"allowed_policies_glob", {"team-*"}}});
  EXPECT_EQ(CreateAgainst("teams", {{"policies", {"team-a", "team-b"}}}).auth->policies,
            (std::vector<std::string>{"default", "team-a", "team-b"}));
  EXPECT_NE(FailCreate("teams", {{"policies", {"other"}}}).find("must be subset of the role's"),
            std::string::npos);

  // A role without policy lists keeps the ordinary parent-subset rule.
  WriteRole("loose", Json::object());
  EXPECT_EQ(FailCreate("loose", {{"policies", {"ops"}}}),
            "child policies must be subset of parent");
  EXPECT_EQ(CreateAgainst("loose").auth->policies,
            (std::vector<std::string>{"creator", "default"}));
}

TEST_F(TokenRolesTest, DisallowedPoliciesAndGlobs) {
  WriteRole("safe",
            {{"disallowed_policies", {"admin"}}, {"disallowed_policies_glob", {"secret-*"}}});
  EXPECT_EQ(FailCreate("safe", {{"policies", {"admin"}}}),
            "token policy \"admin\" is disallowed by this role");
  EXPECT_EQ(FailCreate("safe", {{"policies", {"secret-db"}}}),
            "token policy \"secret-db\" is disallowed by this role");
  // With only a disallowed list, anything else is allowed, even beyond the parent's.
  EXPECT_EQ(CreateAgainst("safe", {{"policies", {"ops"}}}).auth->policies,
            (std::vector<std::string>{"default", "ops"}));
  // Nothing requested: the parent's policies, which must pass the list too.
  EXPECT_EQ(CreateAgainst("safe").auth->policies, (std::vector<std::string>{"creator", "default"}));
  // Disallowing "default" keeps it from being added.
  WriteRole("nodefault", {{"allowed_policies", {"dev"}}, {"disallowed_policies", {"default"}}});
  EXPECT_EQ(CreateAgainst("nodefault").auth->policies, (std::vector<std::string>{"dev"}));
  WriteRole("nodefault-flag", {{"allowed_policies", {"dev"}}, {"token_no_default_policy", true}});
  EXPECT_EQ(CreateAgainst("nodefault-flag").auth->policies, (std::vector<std::string>{"dev"}));
}

TEST_F(TokenRolesTest, OrphanRole) {
  WriteRole("orphans", {{"orphan", true}});
  std::string parent = NewToken({"creator"});
  auto made = Ok(Operation::kUpdate, "auth/token/create/orphans", Json::object(), parent);
  EXPECT_TRUE(made.auth->orphan);
  Ok(Operation::kUpdate, "auth/token/revoke", {{"token", parent}});
  EXPECT_TRUE(Exists(made.auth->client_token));
  EXPECT_EQ(Lookup(made.auth->client_token)["orphan"], true);
  // A non-orphan role ignores no_parent rather than refusing it.
  WriteRole("children", Json::object());
  EXPECT_FALSE(CreateAgainst("children", {{"no_parent", true}}).auth->orphan);
}

TEST_F(TokenRolesTest, PeriodicRoleNeedsNoSudoAndRenewsToThePeriod) {
  WriteRole("periodic", {{"token_period", "1h"}});
  auto made = CreateAgainst("periodic", {{"ttl", "5h"}});
  EXPECT_EQ(made.auth->lease_duration, hours(1));
  EXPECT_EQ(made.auth->period, hours(1));
  std::string token = made.auth->client_token;
  EXPECT_EQ(Lookup(token)["period"], 3600);
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(minutes(50));
    auto renewed =
        Ok(Operation::kUpdate, "auth/token/renew", {{"token", token}, {"increment", 60}});
    EXPECT_EQ(renewed.auth->lease_duration, hours(1));
  }
  // A period both requested and in the role: the lesser wins, with a warning.
  auto both = Ok(Operation::kUpdate, "auth/token/create/periodic", {{"period", "2h"}});
  EXPECT_EQ(both.auth->lease_duration, hours(1));
  ASSERT_FALSE(both.warnings.empty());
  EXPECT_EQ(both.warnings[0],
            "Period specified both during creation call and in role; using the lesser value of "
            "3600 seconds");
  // Requesting a period still needs sudo.
  EXPECT_EQ(FailCreate("periodic", {{"period", "30m"}}),
            "root or sudo privileges required to create periodic token");
}

TEST_F(TokenRolesTest, ExplicitMaxTtlRole) {
  WriteRole("capped", {{"token_explicit_max_ttl", "2h"}});
  auto made = CreateAgainst("capped", {{"ttl", "5h"}});
  EXPECT_EQ(made.auth->lease_duration, hours(2));
  EXPECT_EQ(made.auth->explicit_max_ttl, hours(2));
  clock_.Advance(minutes(90));
  auto renewed = Ok(Operation::kUpdate, "auth/token/renew",
                    {{"token", made.auth->client_token}, {"increment", "1h"}});
  EXPECT_EQ(renewed.auth->lease_duration, minutes(30));
  auto both = CreateAgainst("capped", {{"explicit_max_ttl", "1h"}});
  EXPECT_EQ(both.auth->lease_duration, hours(1));
  ASSERT_FALSE(both.warnings.empty());
  EXPECT_EQ(both.warnings[0],
            "Explicit max TTL specified both during creation call and in role; using the "
            "lesser value of 3600 seconds");
}

TEST_F(TokenRolesTest, TokenTypeFromTheRole) {
  WriteRole("batch", {{"token_type", "batch"}, {"orphan", true}, {"renewable", false}});
  auto b = CreateAgainst("batch", {{"type", "service"}});
  EXPECT_EQ(b.auth->client_token.rfind("hvb.", 0), 0u);
  EXPECT_EQ(b.auth->token_type, core::TokenType::kBatch);
  EXPECT_FALSE(b.auth->renewable);
  EXPECT_TRUE(b.auth->orphan);
  Json d = Lookup(b.auth->client_token);
  EXPECT_EQ(d["type"], "batch");
  EXPECT_EQ(d["role"], "batch");
  EXPECT_EQ(d["path"], "auth/token/create/batch");

  WriteRole("maybe-batch", {{"token_type", "default-batch"}});
  EXPECT_EQ(CreateAgainst("maybe-batch").auth->token_type, core::TokenType::kBatch);
  EXPECT_EQ(CreateAgainst("maybe-batch", {{"type", "service"}}).auth->token_type,
            core::TokenType::kService);
  WriteRole("service", {{"token_type", "service"}});
  EXPECT_EQ(CreateAgainst("service", {{"type", "batch"}}).auth->token_type,
            core::TokenType::kService);
  WriteRole("default", Json::object());
  EXPECT_EQ(CreateAgainst("default", {{"type", "batch"}}).auth->token_type,
            core::TokenType::kBatch);
}

TEST_F(TokenRolesTest, PathSuffixUsesAndCidrs) {
  WriteRole("web", {{"path_suffix", "v2.1"},
                    {"token_num_uses", 2},
                    {"token_bound_cidrs", {"10.0.0.0/8", "127.0.0.1"}},
                    {"renewable", false}});
  auto made = CreateAgainst("web", {{"ttl", "1h"}});
  Json d = Lookup(made.auth->client_token);
  EXPECT_EQ(d["path"], "auth/token/create/web/v2.1");
  EXPECT_EQ(d["num_uses"], 2);
  EXPECT_EQ(d["bound_cidrs"], Json::array({"10.0.0.0/8", "127.0.0.1"}));
  EXPECT_FALSE(made.auth->renewable);
  EXPECT_EQ(
      Fail(Operation::kUpdate, "auth/token/renew", {{"token", made.auth->client_token}}).message(),
      "lease is not renewable");
  // The lesser of the requested and the role's number of uses.
  EXPECT_EQ(CreateAgainst("web", {{"num_uses", 5}}).auth->num_uses, 2);
  EXPECT_EQ(CreateAgainst("web", {{"num_uses", 1}}).auth->num_uses, 1);
}

TEST_F(TokenRolesTest, EntityAliasMustBeAllowedByTheRole) {
  WriteRole("bots", {{"allowed_entity_aliases", {"bot-*"}}});
  EXPECT_EQ(FailCreate("bots", {{"entity_alias", "human"}}), "invalid 'entity_alias' value");
  EXPECT_EQ(Fail(Operation::kUpdate, "auth/token/create", {{"entity_alias", "bot-1"}}).message(),
            "'entity_alias' is only allowed in combination with token role");
}

TEST_F(TokenRolesTest, RenewalFollowsTheRolesCurrentLimits) {
  WriteRole("periodic", {{"token_period", "1h"}});
  std::string token = CreateAgainst("periodic").auth->client_token;
  WriteRole("periodic", {{"token_period", "10m"}});
  clock_.Advance(minutes(5));
  auto renewed = Ok(Operation::kUpdate, "auth/token/renew-self", Json::object(), token);
  EXPECT_EQ(renewed.auth->lease_duration, minutes(10));
  EXPECT_EQ(Lookup(token)["period"], 600);

  // A new explicit max on the role caps the next renewal, counted from creation.
  WriteRole("periodic", {{"token_explicit_max_ttl", "12m"}});
  renewed = Ok(Operation::kUpdate, "auth/token/renew", {{"token", token}});
  EXPECT_EQ(renewed.auth->lease_duration, minutes(7));

  Ok(Operation::kDelete, "auth/token/roles/periodic");
  auto st = Fail(Operation::kUpdate, "auth/token/renew", {{"token", token}});
  EXPECT_EQ(st.message(), "original token role \"periodic\" could not be found, not renewing");
}

}  // namespace
}  // namespace coffer::auth::token
