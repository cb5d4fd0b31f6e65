// ACL tables ported from the behaviour Vault's vault/acl_test.go asserts, plus Coffer's
// own cases for list slashes, deny precedence, templating and capabilities output.

#include "core/policy/acl.h"

#include <gtest/gtest.h>

#include "core/policy/builtin_policies.h"

namespace coffer::core {
namespace {

using std::chrono::seconds;
using Op = Operation;

std::shared_ptr<const Policy> MustParse(const std::string& name, const std::string& text) {
  auto p = ParsePolicy(name, text);
  EXPECT_TRUE(p) << p.error().ToString();
  return p ? std::make_shared<const Policy>(std::move(*p)) : nullptr;
}

std::shared_ptr<const Acl> MustBuild(std::vector<std::shared_ptr<const Policy>> policies) {
  auto acl = Acl::Build(policies);
  EXPECT_TRUE(acl) << acl.error().ToString();
  return acl ? *acl : nullptr;
}

const char* kAclPolicy = R"(
name = "DeV"
path "dev/*" { policy = "sudo" }
path "stage/*" { policy = "write" }
path "stage/aws/*" {
  policy = "read"
  capabilities = ["update", "sudo"]
}
path "stage/aws/policy/*" { policy = "sudo" }
path "prod/*" { policy = "read" }
path "prod/aws/*" { policy = "deny" }
path "sys/*" { policy = "deny" }
path "foo/bar" { capabilities = ["read", "create", "sudo"] }
path "baz/quux" { capabilities = ["read", "create", "patch"] }
path "test/+/segment" { capabilities = ["read"] }
path "+/segment/at/front" { capabilities = ["read"] }
path "test/segment/at/end/+" { capabilities = ["read"] }
path "test/segment/at/end/v2/+/" { capabilities = ["read"] }
path "test/+/wildcard/+/*" { capabilities = ["read"] }
path "test/+/wildcardglob/+/end*" { capabilities = ["read"] }
path "1/2/*" { capabilities = ["create"] }
path "1/2/+" { capabilities = ["read"] }
path "1/2/+/+" { capabilities = ["update", "recover"] }
)";

const char* kAclPolicy2 = R"(
name = "OpS"
path "dev/hide/*" { policy = "deny" }
path "stage/aws/policy/*" {
  policy = "deny"
  # This should have no effect
  capabilities = ["read", "update", "sudo"]
}
path "prod/*" { policy = "write" }
path "sys/seal" { policy = "sudo" }
path "foo/bar" { capabilities = ["deny"] }
path "baz/quux" { capabilities = ["deny"] }
)";

struct OpCase {
  Op op;
  const char* path;
  bool allowed;
  bool root_privs;
};

void RunOpCases(const Acl& acl, const std::vector<OpCase>& cases) {
  for (const OpCase& c : cases) {
    AclResult r = acl.AllowOperation(c.op, c.path, Json::object(), false);
    EXPECT_EQ(r.allowed, c.allowed)
        << OperationName(c.op) << " " << c.path << ": " << r.denial_reason;
    EXPECT_EQ(r.root_privs, c.root_privs) << OperationName(c.op) << " " << c.path;
  }
}

TEST(Acl, SinglePolicyTable) {
  auto acl = MustBuild({MustParse("dev", kAclPolicy)});
  ASSERT_NE(acl, nullptr);
  EXPECT_FALSE(acl->root());
  RunOpCases(*acl, {
                       {Op::kRead, "root", false, false},
                       {Op::kHelp, "root", true, false},
                       {Op::kRead, "dev/foo", true, true},
                       {Op::kUpdate, "dev/foo", true, true},
                       {Op::kDelete, "stage/foo", true, false},
                       {Op::kList, "stage/aws/foo", true, true},
                       {Op::kUpdate, "stage/aws/foo", true, true},
                       {Op::kUpdate, "stage/aws/policy/foo", true, true},
                       {Op::kDelete, "prod/foo", false, false},
                       {Op::kUpdate, "prod/foo", false, false},
                       {Op::kRead, "prod/foo", true, false},
                       {Op::kList, "prod/foo", true, false},
                       {Op::kRead, "prod/aws/foo", false, false},
                       {Op::kRead, "foo/bar", true, true},
                       {Op::kList, "foo/bar", false, true},
                       {Op::kUpdate, "foo/bar", false, true},
                       {Op::kCreate, "foo/bar", true, true},
                       {Op::kRead, "baz/quux", true, false},
                       {Op::kCreate, "baz/quux", true, false},
                       {Op::kPatch, "baz/quux", true, false},
                       {Op::kList, "baz/quux", false, false},
                       {Op::kUpdate, "baz/quux", false, false},
                       // Path segment wildcards.
                       {Op::kRead, "test/foo/bar/segment", false, false},
                       {Op::kRead, "test/foo/segment", true, false},
                       {Op::kRead, "test/bar/segment", true, false},
                       {Op::kRead, "test/segment/at/frond", false, false},
                       {Op::kRead, "test/segment/at/front", true, false},
                       {Op::kRead, "test/segment/at/end/foo", true, false},
                       {Op::kRead, "test/segment/at/end/foo/", false, false},
                       {Op::kRead, "test/segment/at/end/v2/foo/", true, false},
                       {Op::kRead, "test/segment/wildcard/at/foo/", true, false},
                       {Op::kRead, "test/segment/wildcard/at/end", true, false},
                       {Op::kRead, "test/segment/wildcard/at/end/", true, false},
                       {Op::kRead, "test/x/wildcardglob/y/endless", true, false},
                       {Op::kRead, "test/x/wildcardglob/y/nope", false, false},
                       // Path segment wildcards vs glob.
                       {Op::kRead, "1/2/3/4", false, false},
                       {Op::kRead, "1/2/3", true, false},
                       {Op::kUpdate, "1/2/3", false, false},
                       {Op::kUpdate, "1/2/3/4", true, false},
                       {Op::kCreate, "1/2/3/4/5", true, false},
                   });
}

TEST(Acl, LayeredPoliciesTable) {
  auto acl = MustBuild({MustParse("dev", kAclPolicy), MustParse("ops", kAclPolicy2)});
  ASSERT_NE(acl, nullptr);
  RunOpCases(*acl, {
                       {Op::kRead, "root", false, false},
                       {Op::kHelp, "root", true, false},
                       {Op::kRead, "dev/foo", true, true},
                       {Op::kUpdate, "dev/foo", true, true},
                       {Op::kRead, "dev/hide/foo", false, false},
                       {Op::kUpdate, "dev/hide/foo", false, false},
                       {Op::kDelete, "stage/foo", true, false},
                       {Op::kList, "stage/aws/foo", true, true},
                       {Op::kUpdate, "stage/aws/foo", true, true},
                       {Op::kUpdate, "stage/aws/policy/foo", false, false},
                       {Op::kDelete, "prod/foo", true, false},
                       {Op::kUpdate, "prod/foo", true, false},
                       {Op::kRead, "prod/foo", true, false},
                       {Op::kList, "prod/foo", true, false},
                       {Op::kRead, "prod/aws/foo", false, false},
                       {Op::kRead, "sys/status", false, false},
                       {Op::kUpdate, "sys/seal", true, true},
                       {Op::kRead, "foo/bar", false, false},
                       {Op::kList, "foo/bar", false, false},
                       {Op::kUpdate, "foo/bar", false, false},
                       {Op::kCreate, "foo/bar", false, false},
                       {Op::kRead, "baz/quux", false, false},
                       {Op::kList, "baz/quux", false, false},
                       {Op::kUpdate, "baz/quux", false, false},
                       {Op::kCreate, "baz/quux", false, false},
                       {Op::kPatch, "baz/quux", false, false},
                   });
}

TEST(Acl, DenyWinsWhicheverPolicyComesFirst) {
  auto grant = MustParse("grant", R"(path "secret/x" { capabilities = ["read", "update"] })");
  auto deny = MustParse("deny", R"(path "secret/x" { capabilities = ["deny"] })");
  for (auto order : {std::vector{grant, deny}, std::vector{deny, grant}}) {
    auto acl = MustBuild(order);
    AclResult r = acl->AllowOperation(Op::kRead, "secret/x", Json(), false);
    EXPECT_FALSE(r.allowed);
    EXPECT_EQ(acl->Capabilities("secret/x"), std::vector<std::string>{"deny"});
  }
}

TEST(Acl, CapabilitiesUnionAcrossPolicies) {
  auto acl = MustBuild({MustParse("a", R"(path "kv/*" { capabilities = ["read"] })"),
                        MustParse("b", R"(path "kv/*" { capabilities = ["list", "update"] })")});
  EXPECT_EQ(acl->Capabilities("kv/thing"), (std::vector<std::string>{"list", "read", "update"}));
}

TEST(Acl, CapabilitiesOutput) {
  auto root = MustBuild({RootPolicy()});
  ASSERT_NE(root, nullptr);
  EXPECT_TRUE(root->root());
  EXPECT_EQ(root->Capabilities("any/path"), std::vector<std::string>{"root"});

  auto acl = MustBuild({MustParse("dev", kAclPolicy)});
  EXPECT_EQ(acl->Capabilities("dev"), std::vector<std::string>{"deny"});
  EXPECT_EQ(acl->Capabilities("dev/"),
            (std::vector<std::string>{"create", "delete", "list", "read", "sudo", "update"}));
  EXPECT_EQ(acl->Capabilities("stage/aws/test"),
            (std::vector<std::string>{"list", "read", "sudo", "update"}));
  EXPECT_EQ(acl->Capabilities("1/2/3/4"), (std::vector<std::string>{"recover", "update"}));
  EXPECT_EQ(acl->Capabilities("prod/aws/x"), std::vector<std::string>{"deny"});

  auto empty = MustBuild({});
  EXPECT_EQ(empty->Capabilities("secret/foo"), std::vector<std::string>{"deny"});
}

TEST(Acl, RootPolicy) {
  auto acl = MustBuild({RootPolicy()});
  AclResult r = acl->AllowOperation(Op::kUpdate, "sys/mount/foo", Json(), false);
  EXPECT_TRUE(r.allowed);
  EXPECT_TRUE(r.root_privs);
  EXPECT_TRUE(r.is_root);

  auto with_other = Acl::Build({RootPolicy(), MustParse("x", "")});
  ASSERT_FALSE(with_other);
  EXPECT_NE(with_other.error().message().find("other policies present along with root"),
            std::string::npos);
  EXPECT_TRUE(Acl::Build({RootPolicy(), nullptr}));  // null entries are ignored
}

TEST(Acl, NoPoliciesDeniesEverythingButHelp) {
  auto acl = MustBuild({});
  EXPECT_FALSE(acl->AllowOperation(Op::kRead, "secret/foo", Json(), false).allowed);
  EXPECT_TRUE(acl->AllowOperation(Op::kHelp, "secret/foo", Json(), false).allowed);
}

TEST(Acl, ListWithTrailingSlash) {
  auto acl = MustBuild({MustParse("l", R"(
path "exact/dir" { capabilities = ["list"] }
path "glob/dir*" { capabilities = ["list"] }
path "seg/+" { capabilities = ["list"] }
path "both/dir/" { capabilities = ["read"] }
path "both/dir*" { capabilities = ["list"] }
)")});
  struct Case {
    Op op;
    const char* path;
    bool allowed;
  } cases[] = {
      {Op::kList, "exact/dir/", true},  // exact rule matched without the slash
      {Op::kList, "exact/dir", true},
      {Op::kRead, "exact/dir/", false},  // only list drops the slash
      {Op::kList, "glob/dir/", true},
      {Op::kList, "seg/a/", true},  // "seg/a" is tried first and matches seg/+
      {Op::kList, "seg/a/b/", false},
      // An exact rule for the full path ("both/dir/", read only) is found before
      // the slash is dropped, so the list grant on "both/dir*" never applies.
      {Op::kList, "both/dir/", false},
  };
  for (const Case& c : cases) {
    bool got = acl->AllowOperation(c.op, c.path, Json(), false).allowed;
    EXPECT_EQ(got, c.allowed) << OperationName(c.op) << " " << c.path;
  }
}

TEST(Acl, ExactBeatsGlobAndLongestPrefixWins) {
  auto acl = MustBuild({MustParse("p", R"(
path "secret/*" { capabilities = ["deny"] }
path "secret/public" { capabilities = ["read"] }
path "kv/*" { capabilities = ["read"] }
path "kv/admin/*" { capabilities = ["deny"] }
path "kv/admin/open/*" { capabilities = ["read"] }
)")});
  EXPECT_TRUE(acl->AllowOperation(Op::kRead, "secret/public", Json(), false).allowed);
  EXPECT_FALSE(acl->AllowOperation(Op::kRead, "secret/other", Json(), false).allowed);
  EXPECT_TRUE(acl->AllowOperation(Op::kRead, "kv/a", Json(), false).allowed);
  EXPECT_FALSE(acl->AllowOperation(Op::kRead, "kv/admin/x", Json(), false).allowed);
  EXPECT_TRUE(acl->AllowOperation(Op::kRead, "kv/admin/open/x", Json(), false).allowed);
  EXPECT_TRUE(acl->AllowOperation(Op::kRead, "/kv/a", Json(), false).allowed);  // leading '/'
}

// Each policy has a read rule and an update rule; the update rule is more specific.
TEST(Acl, SegmentWildcardPriority) {
  struct Case {
    const char* policy;
    const char* path;
  } cases[] = {
      {R"(path "+/*" { capabilities = ["read"] }
          path "*" { capabilities = ["update"] })",
       "foo/bar/bar/baz"},
      {R"(path "+/*" { capabilities = ["read"] }
          path "foo/+/*" { capabilities = ["update"] })",
       "foo/bar/bar/baz"},
      {R"(path "foo/+/+/*" { capabilities = ["read"] }
          path "foo/+/bar/baz" { capabilities = ["update"] })",
       "foo/bar/bar/baz"},
      {R"(path "foo/+/+/baz" { capabilities = ["read"] }
          path "foo/+/bar/baz" { capabilities = ["update"] })",
       "foo/bar/bar/baz"},
      {R"(path "foo/+/(ar/baz" { capabilities = ["read"] }
          path "foo/(ar/+/baz" { capabilities = ["update"] })",
       "foo/(ar/(ar/baz"},
      {R"(path "foo/bar/+/baz*" { capabilities = ["read"] }
          path "foo/bar/+/baz" { capabilities = ["update"] })",
       "foo/bar/bar/baz"},
      {R"(path "foo/bar/+/b*" { capabilities = ["read"] }
          path "foo/bar/+/ba*" { capabilities = ["update"] })",
       "foo/bar/bar/baz"},
      // A plain prefix rule whose '*' comes after the first '+' of a segment rule wins.
      {R"(path "foo/+/bar" { capabilities = ["read"] }
          path "foo/ba*" { capabilities = ["update"] })",
       "foo/bar/bar"},
      // Same first-wildcard position: the non-prefix segment rule beats the glob.
      {R"(path "foo/*" { capabilities = ["read"] }
          path "foo/+" { capabilities = ["update"] })",
       "foo/bar"},
  };
  for (const Case& c : cases) {
    auto acl = MustBuild({MustParse("p", c.policy)});
    ASSERT_NE(acl, nullptr) << c.policy;
    EXPECT_TRUE(acl->AllowOperation(Op::kUpdate, c.path, Json(), false).allowed) << c.policy;
    EXPECT_FALSE(acl->AllowOperation(Op::kRead, c.path, Json(), false).allowed) << c.policy;
  }
}

TEST(Acl, SegmentWildcardMatchesExactlyOneSegment) {
  auto acl = MustBuild({MustParse("s", R"(path "secret/+/config" { capabilities = ["read"] })")});
  EXPECT_TRUE(acl->AllowOperation(Op::kRead, "secret/a/config", Json(), false).allowed);
  EXPECT_FALSE(acl->AllowOperation(Op::kRead, "secret/a/b/config", Json(), false).allowed);
  EXPECT_FALSE(acl->AllowOperation(Op::kRead, "secret/config", Json(), false).allowed);
  EXPECT_FALSE(acl->AllowOperation(Op::kRead, "secret/a/config/x", Json(), false).allowed);
}

TEST(Acl, TemplatedPathsNeverMatchWithoutIdentity) {
  auto acl = MustBuild({MustParse("t", R"(
path "secret/{{identity.entity.id}}/*" { capabilities = ["read"] }
path "secret/shared/*" { capabilities = ["read"] }
)")});
  EXPECT_FALSE(
      acl->AllowOperation(Op::kRead, "secret/{{identity.entity.id}}/x", Json(), false).allowed);
  EXPECT_TRUE(acl->AllowOperation(Op::kRead, "secret/shared/x", Json(), false).allowed);
}

TEST(Acl, CheckOnlyCapabilities) {
  auto acl = MustBuild({MustParse("c", R"(path "a" { capabilities = ["read", "sudo"] })")});
  AclResult r = acl->AllowOperation(Op::kUpdate, "a", Json(), true);
  EXPECT_FALSE(r.allowed);
  EXPECT_TRUE(r.root_privs);
  EXPECT_EQ(r.capabilities, kCapRead | kCapSudo);
}

TEST(Acl, GrantingPolicies) {
  auto policy = MustParse("granting_policy", R"(
path "kv/foo" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["update", "read"] }
path "kv/deny" { capabilities = ["deny"] }
)");
  auto merged = MustParse("granting_policy_merged", R"(
path "kv/foo" { capabilities = ["update", "read"] }
path "kv/bar" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["read"] }
path "kv/deny" { capabilities = ["update"] }
)");
  using V = std::vector<std::string>;
  struct Case {
    const char* path;
    Op op;
    std::vector<std::shared_ptr<const Policy>> policies;
    V expected;
    bool allowed;
  } cases[] = {
      {"kv/foo", Op::kRead, {policy}, V{"granting_policy"}, true},
      {"kv/bad", Op::kRead, {policy}, V{}, false},
      {"kv/deny", Op::kRead, {policy}, V{}, false},
      {"kv/path/foo", Op::kRead, {policy}, V{"granting_policy"}, true},
      {"kv/foo", Op::kRead, {policy, merged}, V{"granting_policy", "granting_policy_merged"}, true},
      {"kv/bar", Op::kRead, {policy, merged}, V{"granting_policy_merged"}, true},
      {"kv/deny", Op::kRead, {policy, merged}, V{}, false},
      {"kv/path/longer", Op::kUpdate, {policy, merged}, V{"granting_policy"}, true},
  };
  for (const Case& c : cases) {
    AclResult r = MustBuild(c.policies)->AllowOperation(c.op, c.path, Json(), false);
    EXPECT_EQ(r.allowed, c.allowed) << c.path;
    EXPECT_EQ(r.granting_policies, c.expected) << c.path;
  }
}

TEST(Acl, DefaultPolicyGrantsSelfServiceAndNothingElse) {
  auto acl = MustBuild({MustParse("default", std::string(DefaultPolicyText()))});
  EXPECT_TRUE(acl->AllowOperation(Op::kRead, "auth/token/lookup-self", Json(), false).allowed);
  EXPECT_TRUE(acl->AllowOperation(Op::kUpdate, "auth/token/renew-self", Json(), false).allowed);
  EXPECT_TRUE(acl->AllowOperation(Op::kUpdate, "sys/capabilities-self", Json(), false).allowed);
  EXPECT_TRUE(acl->AllowOperation(Op::kCreate, "cubbyhole/mine", Json(), false).allowed);
  EXPECT_TRUE(acl->AllowOperation(Op::kList, "cubbyhole/", Json(), false).allowed);
  EXPECT_TRUE(acl->AllowOperation(Op::kUpdate, "sys/wrapping/unwrap", Json(), false).allowed);
  EXPECT_TRUE(acl->AllowOperation(Op::kUpdate, "sys/tools/hash/sha2-256", Json(), false).allowed);
  EXPECT_TRUE(
      acl->AllowOperation(Op::kRead, "identity/oidc/provider/p/authorize", Json(), false).allowed);
  EXPECT_FALSE(acl->AllowOperation(Op::kRead, "secret/foo", Json(), false).allowed);
  EXPECT_FALSE(acl->AllowOperation(Op::kList, "secret/", Json(), false).allowed);
  EXPECT_FALSE(acl->AllowOperation(Op::kUpdate, "auth/token/create", Json(), false).allowed);
  EXPECT_FALSE(acl->AllowOperation(Op::kRead, "sys/mounts", Json(), false).allowed);
  EXPECT_EQ(acl->Capabilities("secret/foo"), std::vector<std::string>{"deny"});
  EXPECT_EQ(acl->Capabilities("auth/token/lookup-self"), std::vector<std::string>{"read"});
}

}  // namespace
}  // namespace coffer::core
