#include "core/policy/policy.h"

#include <gtest/gtest.h>

#include "core/policy/builtin_policies.h"

namespace coffer::core {
namespace {

using std::chrono::seconds;

const PathRules* Find(const Policy& p, const std::string& path) {
  for (const PathRules& r : p.paths) {
    if (r.path == path) return &r;
  }
  return nullptr;
}

TEST(ParsePolicy, HclBasics) {
  auto p = ParsePolicy("  MyPolicy ", R"(
# comment
name = "ignored"
path "secret/*" {
  capabilities = ["read", "list"]
}
path "/secret/exact" {
  capabilities = ["create", "update", "patch", "sudo", "subscribe", "recover"]
}
path "secret/+/config" { capabilities = ["delete"] }
path "secret/+/tail*" { capabilities = ["read"] }
)");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->name, "mypolicy");
  ASSERT_EQ(p->paths.size(), 4u);
  EXPECT_FALSE(p->templated);

  const PathRules* glob = Find(*p, "secret/");
  ASSERT_NE(glob, nullptr);
  EXPECT_TRUE(glob->is_prefix);
  EXPECT_FALSE(glob->has_segment_wildcards);
  EXPECT_EQ(glob->permissions.capabilities, kCapRead | kCapList);

  const PathRules* exact = Find(*p, "secret/exact");  // leading '/' dropped
  ASSERT_NE(exact, nullptr);
  EXPECT_FALSE(exact->is_prefix);
  EXPECT_EQ(exact->permissions.capabilities,
            kCapCreate | kCapUpdate | kCapPatch | kCapSudo | kCapSubscribe | kCapRecover);

  const PathRules* seg = Find(*p, "secret/+/config");
  ASSERT_NE(seg, nullptr);
  EXPECT_TRUE(seg->has_segment_wildcards);
  EXPECT_FALSE(seg->is_prefix);

  const PathRules* seg_glob = Find(*p, "secret/+/tail*");  // '*' kept on '+' paths
  ASSERT_NE(seg_glob, nullptr);
  EXPECT_TRUE(seg_glob->has_segment_wildcards);
  EXPECT_FALSE(seg_glob->is_prefix);
}

TEST(ParsePolicy, JsonObjectAndArrayForms) {
  auto obj = ParsePolicy("j", R"({"path": {"secret/*": {"capabilities": ["read"]},
                                           "sys/mounts": {"capabilities": ["list", "sudo"]}}})");
  ASSERT_TRUE(obj) << obj.error().ToString();
  ASSERT_EQ(obj->paths.size(), 2u);
  EXPECT_EQ(Find(*obj, "secret/")->permissions.capabilities, kCapRead);
  EXPECT_EQ(Find(*obj, "sys/mounts")->permissions.capabilities, kCapList | kCapSudo);

  auto arr = ParsePolicy("j", R"(  {"path": [{"a/b": {"capabilities": ["update"]}},
                                              {"c": [{"policy": "read"}]}]})");
  ASSERT_TRUE(arr) << arr.error().ToString();
  EXPECT_EQ(Find(*arr, "a/b")->permissions.capabilities, kCapUpdate);
  EXPECT_EQ(Find(*arr, "c")->permissions.capabilities, kCapRead | kCapList);
}

TEST(ParsePolicy, EmptyPolicyIsValid) {
  auto p = ParsePolicy("e", "");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_TRUE(p->paths.empty());
  auto j = ParsePolicy("e", "{}");
  ASSERT_TRUE(j) << j.error().ToString();
}

TEST(ParsePolicy, LegacyPolicyShorthand) {
  struct Case {
    const char* policy;
    uint32_t caps;
  } cases[] = {
      {"deny", kCapDeny},
      {"read", kCapRead | kCapList},
      {"write", kCapCreate | kCapRead | kCapUpdate | kCapDelete | kCapList},
      {"sudo", kCapCreate | kCapRead | kCapUpdate | kCapDelete | kCapList | kCapSudo},
  };
  for (const Case& c : cases) {
    auto p = ParsePolicy("l", std::string("path \"x\" { policy = \"") + c.policy + "\" }");
    ASSERT_TRUE(p) << c.policy << ": " << p.error().ToString();
    EXPECT_EQ(p->paths[0].permissions.capabilities, c.caps) << c.policy;
  }
  // Legacy policy and capabilities combine; a legacy deny replaces everything.
  auto both = ParsePolicy("l", R"(path "x" { policy = "read"  capabilities = ["update"] })");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->paths[0].permissions.capabilities, kCapRead | kCapList | kCapUpdate);
  auto deny = ParsePolicy("l", R"(path "x" { policy = "deny" capabilities = ["update"] })");
  ASSERT_TRUE(deny);
  EXPECT_EQ(deny->paths[0].permissions.capabilities, kCapDeny);
}

TEST(ParsePolicy, DenyDropsEverythingElse) {
  auto p = ParsePolicy("d", R"(path "x" {
  capabilities = ["read", "deny", "update"]
  allowed_parameters = { "a" = [] }
  max_wrapping_ttl = "1h"
})");
  ASSERT_TRUE(p) << p.error().ToString();
  const Permissions& perms = p->paths[0].permissions;
  EXPECT_EQ(perms.capabilities, kCapDeny);
  EXPECT_TRUE(perms.allowed_parameters.empty());
  EXPECT_EQ(perms.max_wrapping_ttl, seconds(0));
}

TEST(ParsePolicy, ParametersAndTtls) {
  auto p = ParsePolicy("p", R"(path "x" {
  capabilities = ["create"]
  allowed_parameters = {
    "Foo" = ["a", "b*"]
    "n"   = [1, 2]
    "any" = []
  }
  denied_parameters {
    "bad" = []
  }
  required_parameters = ["foo"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = 3600
  mfa_methods = ["m1"]
  subscribe_event_types = ["kv*"]
  comment = "free text"
  control_group = { ttl = "1h" }
})");
  ASSERT_TRUE(p) << p.error().ToString();
  const Permissions& perms = p->paths[0].permissions;
  ASSERT_EQ(perms.allowed_parameters.count("foo"), 1u);  // keys are lower-cased
  EXPECT_EQ(perms.allowed_parameters.at("foo"), (std::vector<Json>{"a", "b*"}));
  EXPECT_EQ(perms.allowed_parameters.at("n"), (std::vector<Json>{1, 2}));
  EXPECT_TRUE(perms.allowed_parameters.at("any").empty());
  ASSERT_EQ(perms.denied_parameters.count("bad"), 1u);  // block form
  EXPECT_EQ(perms.required_parameters, std::vector<std::string>{"foo"});
  EXPECT_EQ(perms.min_wrapping_ttl, seconds(60));
  EXPECT_EQ(perms.max_wrapping_ttl, seconds(3600));
  EXPECT_EQ(perms.mfa_methods, std::vector<std::string>{"m1"});
  EXPECT_EQ(perms.subscribe_event_types, std::vector<std::string>{"kv*"});
}

TEST(ParsePolicy, Templating) {
  auto p = ParsePolicy("t", R"(path "secret/{{identity.entity.id}}/*" { capabilities = ["read"] }
path "plain" { capabilities = ["read"] })");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_TRUE(p->templated);
  EXPECT_TRUE(p->paths[0].templated);
  EXPECT_FALSE(p->paths[1].templated);

  bool templated = false;
  EXPECT_TRUE(ValidatePathTemplating("a/{{x}}/b/{{y}}", &templated).ok());
  EXPECT_TRUE(templated);
  EXPECT_TRUE(ValidatePathTemplating("no/templates", &templated).ok());
  EXPECT_FALSE(templated);
  for (const char* bad : {"a}}/{{b}}", "a/{{b", "a/{{b}}}}", "a/{{b{{c}}"}) {
    EXPECT_FALSE(ValidatePathTemplating(bad, &templated).ok()) << bad;
  }
}

struct BadCase {
  const char* text;
  const char* error_substring;
};

class BadPolicy : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadPolicy, FailsWithClearError) {
  auto p = ParsePolicy("bad", GetParam().text);
  ASSERT_FALSE(p) << GetParam().text;
  EXPECT_EQ(p.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.error().message().find("failed to parse policy: "), std::string::npos);
  EXPECT_NE(p.error().message().find(GetParam().error_substring), std::string::npos)
      << p.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Errors, BadPolicy,
    ::testing::Values(
        BadCase{R"(path "/" { capabilities = ["read", "banana"] })",
                R"(path "/": invalid capability "banana")"},
        BadCase{"path \"x\" {\n  capabilities = [\"read\"]\n  colour = \"blue\"\n}",
                R"(path "x": invalid key "colour" on line 3)"},
        BadCase{"name = \"n\"\nfoo = 1\n", R"(invalid key "foo" on line 2)"},
        BadCase{R"({"path": {"x": {"capabilities": ["read"], "bogus": 1}}})",
                R"(path "x": invalid key "bogus")"},
        BadCase{R"(path "foo/+*" { capabilities = ["read"] })",
                R"(path "foo/+*": invalid use of wildcards ('+*' is forbidden))"},
        BadCase{R"(path "x" { policy = "admin" })", R"(path "x": invalid policy "admin")"},
        BadCase{R"(path "x" { capabilities = ["root"] })", R"(invalid capability "root")"},
        BadCase{R"(path "x" { capabilities = [1] })", "capabilities: expected a list of strings"},
        BadCase{R"(path "x" { capabilities = ["read"] min_wrapping_ttl = "soon" })",
                "error parsing min_wrapping_ttl"},
        BadCase{R"(path "x" { capabilities = ["read"] min_wrapping_ttl = "2h"
                              max_wrapping_ttl = "1h" })",
                "max_wrapping_ttl cannot be less than min_wrapping_ttl"},
        BadCase{R"(path "a/{{identity.entity.id" { capabilities = ["read"] })",
                "failed to validate policy templating: unbalanced templating characters"},
        BadCase{R"(path = "x")", "path: expected a block"},
        BadCase{"path \"x\" {", "policy:1"},           // HCL syntax error with position
        BadCase{"{\"path\": ", "policy:1"},            // JSON syntax error with position
        BadCase{"name{}", "name: expected a string"},  // Vault's TestACL_ParseMalformedPolicy
        BadCase{R"(path "x" "y" { capabilities = ["read"] })", R"(invalid key "y")"}));

TEST(Capabilities, NamesAndBits) {
  EXPECT_EQ(CapabilityFromName("read"), kCapRead);
  EXPECT_EQ(CapabilityFromName("deny"), kCapDeny);
  EXPECT_EQ(CapabilityFromName("root"), 0u);
  EXPECT_EQ(CapabilityNames(kCapCreate | kCapSudo | kCapRead),
            (std::vector<std::string>{"sudo", "read", "create"}));
}

TEST(BuiltinPolicies, DefaultAndWrappingParse) {
  auto def = ParsePolicy(kDefaultPolicyName, DefaultPolicyText());
  ASSERT_TRUE(def) << def.error().ToString();
  EXPECT_TRUE(def->templated);  // identity/entity/id/{{identity.entity.id}}
  EXPECT_NE(Find(*def, "auth/token/lookup-self"), nullptr);
  EXPECT_NE(Find(*def, "cubbyhole/"), nullptr);
  auto wrap = ParsePolicy(kResponseWrappingPolicyName, ResponseWrappingPolicyText());
  ASSERT_TRUE(wrap) << wrap.error().ToString();
  EXPECT_EQ(wrap->paths.size(), 2u);
  EXPECT_TRUE(IsImmutablePolicy("root"));
  EXPECT_TRUE(IsImmutablePolicy("response-wrapping"));
  EXPECT_FALSE(IsImmutablePolicy("default"));
}

}  // namespace
}  // namespace coffer::core
