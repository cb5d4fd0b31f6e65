#include "core/policy/policy_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/policy/builtin_policies.h"
#include "storage/inmem/inmem.h"

namespace coffer::core {
namespace {

using Op = Operation;

class PolicyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store_.Setup().ok()); }

  storage::InmemBackend backend_;
  PolicyStore store_{&backend_};
};

TEST_F(PolicyStoreTest, SetupWritesDefaultAndWrappingPolicies) {
  auto stored = backend_.Get("policy/default");
  ASSERT_TRUE(stored);
  ASSERT_TRUE(stored->has_value());
  auto entry = ParseJson(**stored);
  ASSERT_TRUE(entry);
  EXPECT_EQ((*entry)["Version"], 2);
  EXPECT_EQ((*entry)["Raw"], std::string(DefaultPolicyText()));
  EXPECT_EQ((*entry)["Templated"], true);
  EXPECT_TRUE(backend_.Get("policy/response-wrapping")->has_value());

  auto def = store_.GetPolicy("default");
  ASSERT_TRUE(def);
  ASSERT_NE(*def, nullptr);
  EXPECT_EQ((*def)->name, "default");
  EXPECT_EQ((*def)->raw, DefaultPolicyText());
}

TEST_F(PolicyStoreTest, SetupKeepsAnEditedDefaultPolicy) {
  ASSERT_TRUE(store_.SetPolicy("default", R"(path "x" { capabilities = ["read"] })").ok());
  PolicyStore again(&backend_);
  ASSERT_TRUE(again.Setup().ok());
  auto def = again.GetPolicy("default");
  ASSERT_TRUE(def && *def);
  EXPECT_EQ((*def)->raw, R"(path "x" { capabilities = ["read"] })");
}

TEST_F(PolicyStoreTest, Crud) {
  const std::string text = R"(path "secret/*" { capabilities = ["read", "list"] })";
  ASSERT_TRUE(store_.SetPolicy("  Dev-Team ", text).ok());
  EXPECT_TRUE(backend_.Get("policy/dev-team")->has_value());

  auto got = store_.GetPolicy("DEV-team");
  ASSERT_TRUE(got);
  ASSERT_NE(*got, nullptr);
  EXPECT_EQ((*got)->name, "dev-team");
  EXPECT_EQ((*got)->raw, text);

  auto list = store_.ListPolicies();
  ASSERT_TRUE(list);
  EXPECT_EQ(*list, (std::vector<std::string>{"default", "dev-team", "root"}));

  ASSERT_TRUE(store_.SetPolicy("dev-team", R"(path "secret/*" { capabilities = ["deny"] })").ok());
  EXPECT_EQ((*store_.GetPolicy("dev-team"))->paths[0].permissions.capabilities, kCapDeny);

  ASSERT_TRUE(store_.DeletePolicy("Dev-Team").ok());
  auto gone = store_.GetPolicy("dev-team");
  ASSERT_TRUE(gone);
  EXPECT_EQ(*gone, nullptr);
  EXPECT_TRUE(store_.DeletePolicy("never-existed").ok());
  EXPECT_EQ(*store_.ListPolicies(), (std::vector<std::string>{"default", "root"}));
}

TEST_F(PolicyStoreTest, NestedNamesAreListed) {
  ASSERT_TRUE(store_.SetPolicy("team/a", "").ok());
  ASSERT_TRUE(store_.SetPolicy("team/b", "").ok());
  EXPECT_EQ(*store_.ListPolicies(),
            (std::vector<std::string>{"default", "team/a", "team/b", "root"}));
}

TEST_F(PolicyStoreTest, RejectsBadWrites) {
  Status st = store_.SetPolicy("root", R"(path "*" { capabilities = ["read"] })");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "cannot update \"root\" policy");
  st = store_.SetPolicy("response-wrapping", "");
  EXPECT_EQ(st.message(), "cannot update \"response-wrapping\" policy");
  st = store_.SetPolicy("  ", "");
  EXPECT_EQ(st.message(), "policy name missing");
  st = store_.SetPolicy("broken", R"(path "x" { capabilities = ["fly"] })");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("invalid capability \"fly\""), std::string::npos);
  EXPECT_FALSE(backend_.Get("policy/broken")->has_value());  // nothing stored

  st = store_.DeletePolicy("default");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "cannot delete default policy");
  st = store_.DeletePolicy("ROOT");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "cannot delete \"root\" policy");
}

TEST_F(PolicyStoreTest, RootIsImplicit) {
  auto root = store_.GetPolicy("root");
  ASSERT_TRUE(root && *root);
  EXPECT_EQ((*root)->name, "root");
  EXPECT_FALSE(backend_.Get("policy/root")->has_value());
  auto acl = store_.AclForPolicies({"root"});
  ASSERT_TRUE(acl);
  EXPECT_TRUE((*acl)->root());
  EXPECT_FALSE(store_.AclForPolicies({"root", "default"}));
}

TEST_F(PolicyStoreTest, DefaultPolicyAcl) {
  auto acl = store_.AclForPolicies({"default"});
  ASSERT_TRUE(acl) << acl.error().ToString();
  EXPECT_TRUE((*acl)->AllowOperation(Op::kRead, "auth/token/lookup-self", Json(), false).allowed);
  EXPECT_FALSE((*acl)->AllowOperation(Op::kRead, "secret/foo", Json(), false).allowed);
  EXPECT_EQ((*acl)->Capabilities("secret/"), std::vector<std::string>{"deny"});
}

TEST_F(PolicyStoreTest, AclSkipsUnknownPoliciesAndSeesUpdates) {
  auto acl = store_.AclForPolicies({"default", "missing"});
  ASSERT_TRUE(acl);
  EXPECT_FALSE((*acl)->AllowOperation(Op::kRead, "secret/foo", Json(), false).allowed);

  ASSERT_TRUE(store_.SetPolicy("missing", R"(path "secret/*" { capabilities = ["read"] })").ok());
  auto after_set = store_.AclForPolicies({"missing", "default"});
  ASSERT_TRUE(after_set);
  EXPECT_TRUE((*after_set)->AllowOperation(Op::kRead, "secret/foo", Json(), false).allowed);
  // Same set in another order and case hits the same cached Acl.
  EXPECT_EQ(after_set->get(), store_.AclForPolicies({"DEFAULT", "missing"})->get());

  ASSERT_TRUE(store_.DeletePolicy("missing").ok());
  auto after_delete = store_.AclForPolicies({"default", "missing"});
  ASSERT_TRUE(after_delete);
  EXPECT_FALSE((*after_delete)->AllowOperation(Op::kRead, "secret/foo", Json(), false).allowed);
}

TEST_F(PolicyStoreTest, InvalidateRereadsStorage) {
  ASSERT_TRUE(store_.SetPolicy("p", R"(path "a" { capabilities = ["read"] })").ok());
  ASSERT_TRUE(store_.AclForPolicies({"p"}));
  // Another node rewrote the entry underneath us.
  Json entry = {{"Version", 2}, {"Raw", R"(path "a" { capabilities = ["update"] })"}, {"Type", 0}};
  ASSERT_TRUE(backend_.Put("policy/p", entry.dump()).ok());
  EXPECT_EQ((*store_.AclForPolicies({"p"}))->Capabilities("a"), std::vector<std::string>{"read"});
  store_.Invalidate("p");
  EXPECT_EQ((*store_.AclForPolicies({"p"}))->Capabilities("a"), std::vector<std::string>{"update"});
  ASSERT_TRUE(backend_.Delete("policy/p").ok());
  store_.InvalidateAll();
  EXPECT_EQ(*store_.GetPolicy("p"), nullptr);
}

TEST_F(PolicyStoreTest, CorruptEntryIsAnError) {
  ASSERT_TRUE(backend_.Put("policy/bad", "not json").ok());
  auto got = store_.GetPolicy("bad");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), StatusCode::kCorruption);
  EXPECT_FALSE(store_.AclForPolicies({"bad"}));  // fails closed
}

TEST_F(PolicyStoreTest, ConcurrentReadersAndWriters) {
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string name = "p" + std::to_string(t);
      for (int i = 0; i < 100; ++i) {
        const char* cap = i % 2 ? "read" : "update";
        std::string text = std::string(R"(path "k/*" { capabilities = [")") + cap + "\"] }";
        if (!store_.SetPolicy(name, text).ok()) failed = true;
        auto acl = store_.AclForPolicies({name, "default"});
        if (!acl) failed = true;
        auto caps = (*acl)->Capabilities("k/x");
        if (caps.size() != 1 || (caps[0] != "read" && caps[0] != "update")) failed = true;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_FALSE(failed);
  // After the dust settles every policy shows its last write (i = 99: read).
  for (int t = 0; t < 4; ++t) {
    auto acl = store_.AclForPolicies({"p" + std::to_string(t)});
    EXPECT_EQ((*acl)->Capabilities("k/x"), std::vector<std::string>{"read"});
  }
}

}  // namespace
}  // namespace coffer::core
