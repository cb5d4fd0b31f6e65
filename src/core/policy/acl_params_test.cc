// Parameter constraints and wrapping TTLs: the cases of Vault's TestACL_AllowOperation,
// TestACL_ValuePermissions and TestACL_PolicyMerge, checked through AllowOperation.

#include "core/policy/acl_params.h"

#include <gtest/gtest.h>

#include "core/policy/acl.h"

namespace coffer::core {
namespace {

using std::chrono::seconds;
using Op = Operation;

std::shared_ptr<const Acl> BuildOne(const char* text) {
  auto p = ParsePolicy("p", text);
  EXPECT_TRUE(p) << p.error().ToString();
  auto acl = Acl::Build({std::make_shared<const Policy>(std::move(*p))});
  EXPECT_TRUE(acl) << acl.error().ToString();
  return *acl;
}

// Checks create and update (and read, which current Vault also constrains).
void ExpectAllowed(const Acl& acl, const std::string& path, const Json& data, bool allowed,
                   seconds wrap_ttl = seconds(0)) {
  for (Op op : {Op::kCreate, Op::kUpdate, Op::kRead}) {
    AclResult r = acl.AllowOperation(op, path, data, false, wrap_ttl);
    EXPECT_EQ(r.allowed, allowed) << OperationName(op) << " " << path << " " << data.dump()
                                  << " wrap=" << wrap_ttl.count() << ": " << r.denial_reason;
  }
}

TEST(GlobMatch, VaultGlobbedStringsMatch) {
  struct Case {
    const char* item;
    const char* value;
    bool match;
  } cases[] = {
      {"abc", "abc", true},     {"abc", "abcd", false}, {"ab*", "abcd", true},
      {"ab*", "xab", false},    {"*cd", "abcd", true},  {"*cd", "cde", false},
      {"*b*", "abc", true},     {"*z*", "abc", false},  {"*", "*", true},
      {"*", "anything", false},  // a lone '*' is not a glob in Vault
      {"**", "anything", true}, {"", "", true},         {"", "x", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(internal::GlobMatch(c.item, c.value), c.match) << c.item << " vs " << c.value;
  }
}

const char* kPermissionsPolicy = R"(
path "dev/*" { policy = "write"  allowed_parameters = { "zip" = [] } }
path "foo/bar" {
  policy = "write"
  denied_parameters = { "zap" = [] }
  min_wrapping_ttl = 300
  max_wrapping_ttl = 400
}
path "foo/baz" {
  policy = "write"
  allowed_parameters = { "hello" = [] }
  denied_parameters = { "zap" = [] }
  min_wrapping_ttl = 300
}
path "working/phone" { policy = "write"  max_wrapping_ttl = 400 }
path "broken/phone" {
  policy = "write"
  allowed_parameters = { "steve" = [] }
  denied_parameters = { "steve" = [] }
}
path "hello/world" {
  policy = "write"
  allowed_parameters = { "*" = [] }
  denied_parameters = { "*" = [] }
}
path "tree/fort" {
  policy = "write"
  allowed_parameters = { "*" = [] }
  denied_parameters = { "foo" = [] }
}
path "fruit/apple" {
  policy = "write"
  allowed_parameters = { "pear" = [] }
  denied_parameters = { "*" = [] }
}
path "cold/weather" { policy = "write"  allowed_parameters = {}  denied_parameters = {} }
path "var/aws" {
  policy = "write"
  allowed_parameters = { "*" = [] }
  denied_parameters = { "soft" = []  "warm" = []  "kitty" = [] }
}
path "var/req" { policy = "write"  required_parameters = ["foo"] }
)";

TEST(AclParameters, AllowOperationTable) {
  auto acl = BuildOne(kPermissionsPolicy);
  struct Case {
    const char* path;
    int wrap;
    std::vector<const char*> params;
    bool allowed;
  } cases[] = {
      {"dev/ops", 0, {"zip"}, true},
      {"foo/bar", 0, {"zap"}, false},
      {"foo/bar", 0, {"zip"}, false},
      {"foo/bar", 50, {"zip"}, false},
      {"foo/bar", 450, {"zip"}, false},
      {"foo/bar", 350, {"zip"}, true},
      {"foo/baz", 0, {"hello"}, false},
      {"foo/baz", 50, {"hello"}, false},
      {"foo/baz", 450, {"hello"}, true},
      {"foo/baz", 0, {"zap"}, false},
      {"broken/phone", 0, {"steve"}, false},
      {"working/phone", 0, {""}, false},
      {"working/phone", 450, {""}, false},
      {"working/phone", 350, {""}, true},
      {"hello/world", 0, {"one"}, false},
      {"tree/fort", 0, {"one"}, true},
      {"tree/fort", 0, {"foo"}, false},
      {"fruit/apple", 0, {"pear"}, false},
      {"fruit/apple", 0, {"one"}, false},
      {"cold/weather", 0, {"four"}, true},
      {"var/aws", 0, {"cold", "warm", "kitty"}, false},
      {"var/req", 0, {"cold", "warm", "kitty"}, false},
      {"var/req", 0, {"cold", "warm", "kitty", "foo"}, true},
  };
  for (const Case& c : cases) {
    Json data = Json::object();
    for (const char* p : c.params) data[p] = "";
    ExpectAllowed(*acl, c.path, data, c.allowed, seconds(c.wrap));
  }
}

const char* kValuePermissionsPolicy = R"(
path "dev/*" { policy = "write"  allowed_parameters = { "allow" = ["good"] } }
path "foo/bar" { policy = "write"  denied_parameters = { "deny" = ["bad*"] } }
path "foo/baz" {
  policy = "write"
  allowed_parameters = { "ALLOW" = ["good"] }
  denied_parameters = { "dEny" = ["bad"] }
}
path "fizz/buzz" {
  policy = "write"
  allowed_parameters = {
    "allow_multi" = ["good", "good1", "good2", "*good3"]
    "allow" = ["good"]
  }
  denied_parameters = { "deny_multi" = ["bad", "bad1", "bad2"] }
}
path "test/types" {
  policy = "write"
  allowed_parameters = {
    "map" = [{"good" = "one"}]
    "int" = [1, 2]
    "bool" = [false]
  }
  denied_parameters = {}
}
path "test/star" {
  policy = "write"
  allowed_parameters = { "*" = []  "foo" = []  "bar" = [false] }
  denied_parameters = {}
}
path "list/values" {
  policy = "write"
  allowed_parameters = { "policies" = ["default", "dev-*"]  "roles" = [] }
  denied_parameters = { "roles" = ["admin"] }
}
)";

TEST(AclParameters, ValuePermissionsTable) {
  auto acl = BuildOne(kValuePermissionsPolicy);
  struct Case {
    const char* path;
    Json data;
    bool allowed;
  } cases[] = {
      {"dev/ops", {{"allow", "good"}}, true},
      {"dev/ops", {{"allow", "bad"}}, false},
      {"foo/bar", {{"deny", "bad"}}, false},
      {"foo/bar", {{"deny", "bad glob"}}, false},
      {"foo/bar", {{"deny", "good"}}, true},
      {"foo/bar", {{"allow", "good"}}, true},
      {"foo/bar", {{"deny", nullptr}}, true},
      {"foo/bar", {{"allow", nullptr}}, true},
      {"foo/baz", {{"aLLow", "good"}}, true},
      {"foo/baz", {{"deny", "bad"}}, false},
      {"foo/baz", {{"deny", "good"}}, false},
      {"foo/baz", {{"allow", "good"}, {"deny", "bad"}}, false},
      {"foo/baz", {{"deNy", "bad"}, {"allow", "good"}}, false},
      {"foo/baz", {{"aLLow", "bad"}}, false},
      {"foo/baz", {{"Neither", "bad"}}, false},
      {"foo/baz", {{"allow", nullptr}}, false},
      {"fizz/buzz", {{"allow_multi", "good"}}, true},
      {"fizz/buzz", {{"allow_multi", "good1"}}, true},
      {"fizz/buzz", {{"allow_multi", "good2"}}, true},
      {"fizz/buzz", {{"allow_multi", "glob good2"}}, false},
      {"fizz/buzz", {{"allow_multi", "glob good3"}}, true},
      {"fizz/buzz", {{"allow_multi", "bad"}}, false},
      {"fizz/buzz", {{"allow_multi", "good1"}, {"allow", "good"}}, true},
      {"fizz/buzz", {{"deny_multi", "bad2"}}, false},
      {"fizz/buzz", {{"deny_multi", "good"}, {"allow_multi", "good2"}}, false},
      {"test/types", {{"map", {{"good", "one"}}}}, true},
      {"test/types", {{"map", {{"bad", "one"}}}}, false},
      {"test/types", {{"int", 1}}, true},
      {"test/types", {{"int", 3}}, false},
      {"test/types", {{"bool", false}}, true},
      {"test/types", {{"bool", true}}, false},
      {"test/star", {{"anything", true}}, true},
      {"test/star", {{"foo", true}}, true},
      {"test/star", {{"bar", false}}, true},
      {"test/star", {{"bar", true}}, false},
      // Lists and comma-separated strings: every item must be allowed, any item denied.
      {"list/values", {{"policies", Json::array({"default", "dev-a"})}}, true},
      {"list/values", {{"policies", Json::array({"default", "root"})}}, false},
      {"list/values", {{"policies", "default, dev-b"}}, true},
      {"list/values", {{"policies", "default,root"}}, false},
      {"list/values", {{"policies", "default"}, {"roles", "reader,admin"}}, false},
      {"list/values", {{"policies", "default"}, {"roles", Json::array({"admin"})}}, false},
      {"list/values", {{"policies", "default"}, {"roles", "reader"}}, true},
  };
  for (const Case& c : cases) ExpectAllowed(*acl, c.path, c.data, c.allowed);
}

TEST(AclParameters, NoDataAndNonModifyingOperations) {
  auto acl = BuildOne(R"(path "p" {
  capabilities = ["create", "read", "update", "delete", "list"]
  allowed_parameters = { "a" = ["x"] }
})");
  ExpectAllowed(*acl, "p", Json(), true);  // null data
  ExpectAllowed(*acl, "p", Json::object(), true);
  ExpectAllowed(*acl, "p", {{"b", "x"}}, false);
  // Delete and list are not parameter-checked.
  EXPECT_TRUE(acl->AllowOperation(Op::kDelete, "p", {{"b", "x"}}, false).allowed);
  EXPECT_TRUE(acl->AllowOperation(Op::kList, "p", {{"b", "x"}}, false).allowed);
}

// Vault's mergingPolicies: the same path twice in one policy merges like two policies.
const char* kMergingPolicies = R"(
path "foo/bar" {
  policy = "write"
  denied_parameters = { "baz" = [] }
  required_parameters = ["baz"]
}
path "foo/bar" { policy = "write"  denied_parameters = { "zip" = [] } }
path "hello/universe" {
  policy = "write"
  allowed_parameters = { "foo" = [] }
  required_parameters = ["foo"]
  max_wrapping_ttl = 300
  min_wrapping_ttl = 100
}
path "hello/universe" {
  policy = "write"
  allowed_parameters = { "bar" = [] }
  required_parameters = ["bar"]
  max_wrapping_ttl = 200
  min_wrapping_ttl = 50
}
path "allow/all" { policy = "write"  allowed_parameters = { "test" = []  "test1" = ["foo"] } }
path "allow/all" { policy = "write"  allowed_parameters = { "*" = [] } }
path "deny/all" { policy = "write"  denied_parameters = { "test" = [] } }
path "deny/all" { policy = "write"  denied_parameters = { "*" = [] } }
path "value/merge" { policy = "write"  allowed_parameters = { "test" = [1, 2] } }
path "value/merge" { policy = "write"  allowed_parameters = { "test" = [3, 4] } }
path "value/empty" { policy = "write"  allowed_parameters = { "empty" = [] } }
path "value/empty" { policy = "write"  allowed_parameters = { "empty" = [1] } }
)";

TEST(AclParameters, MergedRules) {
  auto acl = BuildOne(kMergingPolicies);
  ExpectAllowed(*acl, "foo/bar", {{"baz", 1}}, false);  // required but denied
  ExpectAllowed(*acl, "foo/bar", {{"zip", 1}}, false);  // missing required baz
  // Both required; allowed = foo+bar; the smaller of each wrapping bound (min 50, max 200).
  Json both = {{"foo", 1}, {"bar", 2}};
  ExpectAllowed(*acl, "hello/universe", both, true, seconds(150));
  ExpectAllowed(*acl, "hello/universe", both, false, seconds(250));
  ExpectAllowed(*acl, "hello/universe", both, true, seconds(60));
  ExpectAllowed(*acl, "hello/universe", both, false, seconds(40));
  ExpectAllowed(*acl, "hello/universe", {{"foo", 1}}, false, seconds(150));
  ExpectAllowed(*acl, "hello/universe", {{"foo", 1}, {"bar", 2}, {"baz", 3}}, false, seconds(150));
  ExpectAllowed(*acl, "allow/all", {{"other", "x"}}, true);
  ExpectAllowed(*acl, "allow/all", {{"test1", "foo"}}, true);
  ExpectAllowed(*acl, "allow/all", {{"test1", "bar"}}, false);
  ExpectAllowed(*acl, "deny/all", {{"other", "x"}}, false);
  ExpectAllowed(*acl, "deny/all", Json::object(), true);
  for (int v : {1, 2, 3, 4}) ExpectAllowed(*acl, "value/merge", {{"test", v}}, true);
  ExpectAllowed(*acl, "value/merge", {{"test", 5}}, false);
  ExpectAllowed(*acl, "value/empty", {{"empty", 99}}, true);  // [] absorbs [1]
}

}  // namespace
}  // namespace coffer::core
