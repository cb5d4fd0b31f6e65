#include "core/token_store.h"

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "storage/inmem/inmem.h"

namespace coffer::core {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

class TokenStoreTest : public ::testing::Test {
 protected:
  TokenStoreTest()
      : store_(physical_, SecretBytes::FromString(std::string(32, 's')),
               SecretBytes::FromString(std::string(32, 'b')), crypto::SystemRandom::Get(), clock_) {
  }

  TokenEntry Make(const TokenEntry* parent, seconds ttl = hours(1)) {
    TokenCreateParams p;
    p.policies = {"dev"};
    p.ttl = ttl;
    p.max_ttl = hours(10);
    p.path = "auth/token/create";
    auto e = store_.Create(p, parent);
    EXPECT_TRUE(e.has_value()) << e.error().ToString();
    return *e;
  }
  bool Alive(const TokenEntry& e) {
    auto r = store_.Lookup(e.id);
    return r.has_value() && r->has_value();
  }

  storage::InmemBackend physical_;
  FakeClock clock_;
  TokenStore store_;
};

TEST_F(TokenStoreTest, TokensLookLikeVaultsAndAreStoredHashed) {
  TokenEntry t = Make(nullptr);
  EXPECT_EQ(t.id.rfind("hvs.", 0), 0u);
  EXPECT_EQ(t.id.size(), 4u + 24u);
  EXPECT_EQ(t.accessor.size(), 24u);
  EXPECT_EQ(t.policies, (std::vector<std::string>{"default", "dev"}));
  auto keys = physical_.List("id/");
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].find(t.id.substr(4)), std::string::npos);
  for (const auto& k : {"id/" + (*keys)[0]}) {
    EXPECT_EQ(physical_.Get(k).value()->find(t.id), std::string::npos);
  }
  EXPECT_TRUE(Alive(t));
  EXPECT_FALSE(store_.Lookup("hvs.notatoken").value().has_value());
  EXPECT_EQ(store_.LookupByAccessor(t.accessor).value()->id_hash, t.id_hash);
}

TEST_F(TokenStoreTest, RevokingAParentRevokesTheWholeTree) {
  TokenEntry root = Make(nullptr);
  TokenEntry child = Make(&root);
  TokenEntry grandchild = Make(&child);
  TokenEntry other = Make(nullptr);
  ASSERT_TRUE(store_.RevokeTree(*store_.Lookup(root.id).value()).ok());
  EXPECT_FALSE(Alive(root));
  EXPECT_FALSE(Alive(child));
  EXPECT_FALSE(Alive(grandchild));
  EXPECT_TRUE(Alive(other));
  EXPECT_FALSE(store_.LookupByAccessor(child.accessor).value().has_value());
}

TEST_F(TokenStoreTest, RevokeOrphanKeepsChildrenAsOrphans) {
  TokenEntry parent = Make(nullptr);
  TokenEntry child = Make(&parent);
  ASSERT_TRUE(store_.RevokeOrphan(*store_.Lookup(parent.id).value()).ok());
  EXPECT_FALSE(Alive(parent));
  auto c = store_.Lookup(child.id).value();
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->orphan);
  EXPECT_TRUE(c->parent_hash.empty());
}

TEST_F(TokenStoreTest, ExpiredTokensAreGone) {
  TokenEntry t = Make(nullptr, seconds(60));
  clock_.Advance(seconds(59));
  EXPECT_TRUE(Alive(t));
  clock_.Advance(seconds(2));
  EXPECT_FALSE(Alive(t));
}

TEST_F(TokenStoreTest, RenewIsCappedByMaxTtl) {
  TokenCreateParams p;
  p.ttl = hours(1);
  p.explicit_max_ttl = hours(2);
  auto t = store_.Create(p, nullptr).value();
  clock_.Advance(std::chrono::minutes(50));
  auto live = store_.Lookup(t.id).value();
  ASSERT_TRUE(live.has_value());
  auto renewed = store_.Renew(*live, hours(1), hours(768));
  ASSERT_TRUE(renewed.has_value());
  EXPECT_EQ(renewed->expire_time, t.creation_time + 110 * 60);
  clock_.Advance(std::chrono::minutes(50));
  live = store_.Lookup(t.id).value();
  ASSERT_TRUE(live.has_value());
  renewed = store_.Renew(*live, hours(1), hours(768));
  ASSERT_TRUE(renewed.has_value());
  EXPECT_EQ(renewed->expire_time, t.creation_time + 2 * 3600);  // capped
  clock_.Advance(std::chrono::minutes(21));
  EXPECT_FALSE(Alive(t));
}

TEST_F(TokenStoreTest, NumUsesAreEnforced) {
  TokenCreateParams p;
  p.num_uses = 2;
  auto t = store_.Create(p, nullptr).value();
  auto e = store_.Lookup(t.id).value().value();
  EXPECT_TRUE(store_.UseToken(e).value());
  e = store_.Lookup(t.id).value().value();
  EXPECT_EQ(e.num_uses, 1);
  EXPECT_TRUE(store_.UseToken(e).value());
  EXPECT_FALSE(Alive(t));
}

TEST_F(TokenStoreTest, BatchTokensAreNotStoredAndExpire) {
  TokenCreateParams p;
  p.type = TokenType::kBatch;
  p.ttl = seconds(30);
  p.policies = {"dev"};
  auto t = store_.Create(p, nullptr).value();
  EXPECT_EQ(t.id.rfind("hvb.", 0), 0u);
  EXPECT_TRUE(physical_.List("id/").value().empty());
  auto e = store_.Lookup(t.id).value();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->policies, (std::vector<std::string>{"default", "dev"}));
  std::string tampered = t.id;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(store_.Lookup(tampered).value().has_value());
  EXPECT_FALSE(store_.RevokeTree(*e).ok());
  clock_.Advance(seconds(31));
  EXPECT_FALSE(Alive(t));
}

TEST_F(TokenStoreTest, BatchTokensStopWorkingWithTheirParent) {
  TokenEntry parent = Make(nullptr);
  TokenEntry other = Make(nullptr, seconds(10));
  TokenCreateParams p;
  p.type = TokenType::kBatch;
  p.ttl = seconds(30);
  p.policies = {"dev"};
  auto child = store_.Create(p, &parent).value();
  auto orphan = store_.Create(p, nullptr).value();
  ASSERT_TRUE(Alive(child));
  ASSERT_TRUE(store_.RevokeTree(store_.Lookup(parent.id).value().value()).ok());
  EXPECT_FALSE(Alive(child));
  EXPECT_TRUE(Alive(orphan));
  EXPECT_TRUE(Alive(other));
  // An expired parent takes its batch children with it as well.
  auto child2 = store_.Create(p, &other).value();
  ASSERT_TRUE(Alive(child2));
  clock_.Advance(seconds(11));  // the parent's TTL, not yet the child's
  EXPECT_FALSE(Alive(child2));
}

TEST_F(TokenStoreTest, RootTokensNeverExpire) {
  auto root = store_.CreateRootToken("").value();
  EXPECT_EQ(root.policies, std::vector<std::string>{"root"});
  EXPECT_EQ(root.expire_time, 0);
  clock_.Advance(hours(100000));
  EXPECT_TRUE(Alive(root));
  auto chosen = store_.CreateRootToken("my-root").value();
  EXPECT_EQ(chosen.id, "my-root");
  EXPECT_FALSE(store_.CreateRootToken("my-root").has_value());
}

}  // namespace
}  // namespace coffer::core

namespace coffer::core {
namespace {

TEST_F(TokenStoreTest, ListAccessorsSkipsExpiredAndDropsDanglingIndexEntries) {
  TokenEntry live = Make(nullptr, hours(2));
  TokenEntry soon = Make(nullptr, seconds(10));
  ASSERT_TRUE(physical_.Put("accessor/dangling", R"({"id_hash":"gone"})").ok());
  clock_.Advance(seconds(11));
  EXPECT_EQ(store_.ListAccessors(false).value(), std::vector<std::string>{live.accessor});
  EXPECT_TRUE(physical_.Get("accessor/dangling").value().has_value());
  EXPECT_EQ(store_.ListAccessors(true).value(), std::vector<std::string>{live.accessor});
  EXPECT_FALSE(physical_.Get("accessor/dangling").value().has_value());
  EXPECT_FALSE(Alive(soon));
}

TEST_F(TokenStoreTest, RoleAndBoundCidrsAreStoredAndShownInLookup) {
  TokenCreateParams p;
  p.policies = {"dev"};
  p.ttl = hours(1);
  p.role = "ci";
  p.bound_cidrs = {"10.0.0.0/8", "127.0.0.1"};
  TokenEntry t = store_.Create(p, nullptr).value();
  auto e = store_.Lookup(t.id).value();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->role, "ci");
  EXPECT_EQ(e->bound_cidrs, p.bound_cidrs);
  Json d = e->LookupData(clock_);
  EXPECT_EQ(d["role"], "ci");
  EXPECT_EQ(d["bound_cidrs"], Json::array({"10.0.0.0/8", "127.0.0.1"}));
  // A batch token carries them inside itself.
  p.type = TokenType::kBatch;
  auto b = store_.Lookup(store_.Create(p, nullptr).value().id).value();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->role, "ci");
  EXPECT_EQ(b->bound_cidrs, p.bound_cidrs);
  // Without them, lookup leaves both keys out, as Vault does.
  Json plain = Make(nullptr).LookupData(clock_);
  EXPECT_FALSE(plain.contains("role"));
  EXPECT_FALSE(plain.contains("bound_cidrs"));
}

TEST_F(TokenStoreTest, EntriesStoredBeforeRolesExistedStillLoad) {
  Json old = {{"id_hash", "abc"},
              {"accessor", "acc"},
              {"policies", {"default"}},
              {"path", "auth/token/create"},
              {"ttl", 60},
              {"type", "service"}};
  auto e = TokenEntry::FromJson(old);
  ASSERT_TRUE(e.has_value()) << e.error().ToString();
  EXPECT_EQ(e->role, "");
  EXPECT_TRUE(e->bound_cidrs.empty());
  EXPECT_EQ(e->path, "auth/token/create");
}

}  // namespace
}  // namespace coffer::core
