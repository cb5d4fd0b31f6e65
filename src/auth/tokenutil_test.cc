#include "auth/tokenutil.h"

#include <gtest/gtest.h>

namespace coffer::auth {
namespace {

framework::FieldSchemas Schema() {
  framework::FieldSchemas s;
  TokenParams::AddFields(&s);
  LegacyTokenFields::AddFields(&s);
  return s;
}

TEST(TokenParamsTest, ParsePopulateAndRoundTrip) {
  auto schema = Schema();
  framework::FieldData d(&schema, {{"token_ttl", "1h"},
                                   {"token_max_ttl", 7200},
                                   {"token_policies", "a, b"},
                                   {"token_bound_cidrs", "10.0.0.0/8,192.168.1.7"},
                                   {"token_no_default_policy", true},
                                   {"token_num_uses", 3},
                                   {"token_period", "0"},
                                   {"token_explicit_max_ttl", "3h"},
                                   {"token_type", "service"}});
  ASSERT_TRUE(d.Validate().ok());
  TokenParams p;
  ASSERT_TRUE(p.Parse(d).ok());
  Json out = Json::object();
  p.PopulateData(&out);
  EXPECT_EQ(out, Json({{"token_bound_cidrs", {"10.0.0.0/8", "192.168.1.7"}},
                       {"token_explicit_max_ttl", 10800},
                       {"token_max_ttl", 7200},
                       {"token_no_default_policy", true},
                       {"token_period", 0},
                       {"token_policies", {"a", "b"}},
                       {"token_type", "service"},
                       {"token_ttl", 3600},
                       {"token_num_uses", 3}}));
  auto back = TokenParams::FromJson(out);
  ASSERT_TRUE(back.has_value());
  Json again = Json::object();
  back->PopulateData(&again);
  EXPECT_EQ(again, out);

  core::Auth auth;
  p.ApplyTo(&auth);
  EXPECT_EQ(auth.policies, std::vector<std::string>({"a", "b"}));
  EXPECT_EQ(auth.ttl, std::chrono::hours(1));
  EXPECT_EQ(auth.max_ttl, std::chrono::hours(2));
  EXPECT_EQ(auth.explicit_max_ttl, std::chrono::hours(3));
  EXPECT_EQ(auth.num_uses, 3);
  EXPECT_TRUE(auth.renewable);
  EXPECT_EQ(auth.token_type, core::TokenType::kService);
  EXPECT_EQ(auth.internal_data["token_no_default_policy"], true);
}

TEST(TokenParamsTest, DefaultsReadLikeVault) {
  TokenParams p;
  Json out = Json::object();
  p.PopulateData(&out);
  EXPECT_EQ(out["token_type"], "default");
  EXPECT_EQ(out["token_policies"], Json::array());
  EXPECT_EQ(out["token_bound_cidrs"], Json::array());
}

TEST(TokenParamsTest, RejectsBadCombinations) {
  auto schema = Schema();
  struct Case {
    Json input;
    std::string error;
  };
  std::vector<Case> cases = {
      {{{"token_ttl", "2h"}, {"token_max_ttl", "1h"}},
       "'token_ttl' cannot be greater than 'token_max_ttl'"},
      {{{"token_type", "weird"}}, "invalid 'token_type' value \"weird\""},
      {{{"token_num_uses", -1}}, "'token_num_uses' cannot be negative"},
      {{{"token_type", "batch"}, {"token_period", "1h"}},
       "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens"},
      {{{"token_type", "batch"}, {"token_num_uses", 2}},
       "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with "
       "limited use count"},
      {{{"token_bound_cidrs", "10.0.0.0/33"}},
       "failed to parse \"10.0.0.0/33\" as an IP address or CIDR block"},
  };
  for (const auto& c : cases) {
    framework::FieldData d(&schema, c.input);
    TokenParams p;
    Status st = p.Parse(d);
    EXPECT_FALSE(st.ok()) << c.input.dump();
    EXPECT_EQ(st.message(), c.error) << c.input.dump();
  }
}

TEST(TokenParamsTest, BatchTokens) {
  auto schema = Schema();
  framework::FieldData d(&schema, {{"token_type", "batch"}});
  TokenParams p;
  ASSERT_TRUE(p.Parse(d).ok());
  core::Auth auth;
  p.ApplyTo(&auth);
  EXPECT_EQ(auth.token_type, core::TokenType::kBatch);
}

TEST(LegacyTokenFieldsTest, UpgradeFollowsVault) {
  auto schema = Schema();
  {  // Legacy alone sets both.
    framework::FieldData d(&schema, {{"policies", "B,a"}, {"ttl", 60}});
    TokenParams p;
    LegacyTokenFields l;
    ASSERT_TRUE(p.Parse(d).ok());
    ASSERT_TRUE(l.Upgrade(d, &p).ok());
    EXPECT_EQ(p.policies, std::vector<std::string>({"a", "b"}));
    EXPECT_EQ(l.policies, p.policies);
    EXPECT_EQ(p.ttl, std::chrono::seconds(60));
    Json out = Json::object();
    p.PopulateData(&out);
    l.PopulateData(p, &out);
    EXPECT_EQ(out["policies"], Json({"a", "b"}));
    EXPECT_EQ(out["ttl"], 60);
  }
  {  // The new field alone clears the legacy copy.
    framework::FieldData d(&schema, {{"token_policies", "x"}});
    TokenParams p;
    LegacyTokenFields l;
    l.policies = {"old"};
    ASSERT_TRUE(p.Parse(d).ok());
    ASSERT_TRUE(l.Upgrade(d, &p).ok());
    EXPECT_EQ(p.policies, std::vector<std::string>({"x"}));
    EXPECT_TRUE(l.policies.empty());
  }
  {  // Both: the new value wins and the legacy copy mirrors it.
    framework::FieldData d(&schema, {{"token_ttl", 5}, {"ttl", 9}});
    TokenParams p;
    LegacyTokenFields l;
    ASSERT_TRUE(p.Parse(d).ok());
    ASSERT_TRUE(l.Upgrade(d, &p).ok());
    EXPECT_EQ(p.ttl, std::chrono::seconds(5));
    EXPECT_EQ(l.ttl, std::chrono::seconds(5));
  }
}

TEST(PoliciesTest, SanitizeAndEquivalence) {
  EXPECT_EQ(SanitizePolicies({" B", "a", "b", "", "A"}), std::vector<std::string>({"a", "b"}));
  EXPECT_TRUE(EquivalentPolicies({"a", "default", "b"}, {"b", "a"}));
  EXPECT_FALSE(EquivalentPolicies({"a"}, {"a", "c"}));
}

TEST(CidrTest, RemoteAddrAllowed) {
  std::vector<std::string> cidrs = {"10.0.0.0/8", "192.168.1.7", "2001:db8::/32"};
  EXPECT_TRUE(RemoteAddrAllowed("10.1.2.3", cidrs));
  EXPECT_TRUE(RemoteAddrAllowed("10.1.2.3:5555", cidrs));
  EXPECT_TRUE(RemoteAddrAllowed("192.168.1.7", cidrs));
  EXPECT_FALSE(RemoteAddrAllowed("192.168.1.8", cidrs));
  EXPECT_TRUE(RemoteAddrAllowed("[2001:db8::1]:8200", cidrs));
  EXPECT_TRUE(RemoteAddrAllowed("2001:db8:ffff::1", cidrs));
  EXPECT_FALSE(RemoteAddrAllowed("2001:db9::1", cidrs));
  EXPECT_FALSE(RemoteAddrAllowed("", cidrs));
  EXPECT_FALSE(RemoteAddrAllowed("not-an-ip", cidrs));
  EXPECT_TRUE(RemoteAddrAllowed("", {}));
  EXPECT_TRUE(RemoteAddrAllowed("1.2.3.4", {"0.0.0.0/0"}));
  EXPECT_TRUE(RemoteAddrAllowed("10.0.0.1", {"10.0.0.0/31"}));
  EXPECT_FALSE(RemoteAddrAllowed("10.0.0.2", {"10.0.0.0/31"}));
}

}  // namespace
}  // namespace coffer::auth
