#include "core/expiration.h"

#include <gtest/gtest.h>

#include <atomic>

#include "core/barrier.h"
#include "core/token_store.h"
#include "crypto/random.h"
#include "storage/inmem/inmem.h"

namespace coffer::core {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

// Records revocations; fails while `fail` is set. Token leases revoke through a store.
class FakeRevoker final : public LeaseRevoker {
 public:
  Status RevokeSecret(const LeaseEntry& lease) override {
    ++calls;
    if (fail) return Internal("backend down");
    revoked.push_back(lease.lease_id);
    return Status::Ok();
  }
  Status RevokeToken(const LeaseEntry& lease) override {
    if (tokens == nullptr) return Status::Ok();
    auto e = tokens->LookupByHash(lease.token_hash);
    if (!e) return e.error();
    if (!*e) return tokens->RevokeUsedUp(lease.token_hash);
    return tokens->RevokeTree(**e);
  }

  std::vector<std::string> revoked;  // read only while no manager thread runs
  std::atomic<int> calls{0};
  bool fail = false;
  TokenStore* tokens = nullptr;
};

class ExpirationTest : public ::testing::Test {
 protected:
  ExpirationTest() : view_(physical_, "sys/expire/") { Reset(); }

  void Reset() {
    mgr_.reset();
    mgr_ = std::make_unique<ExpirationManager>(view_, "sys/expire/", revoker_, clock_,
                                               crypto::SystemRandom::Get());
    ASSERT_TRUE(mgr_->LoadBuckets().ok());
  }

  int64_t Now() {
    return std::chrono::duration_cast<seconds>(clock_.Now().time_since_epoch()).count();
  }

  LeaseEntry Make(const std::string& id, int64_t ttl, const std::string& token = "") {
    LeaseEntry e;
    e.lease_id = id;
    e.path = id.substr(0, id.rfind('/'));
    e.token_hash = token;
    e.renewable = true;
    e.ttl = ttl;
    e.issue_time = Now();
    e.expire_time = Now() + ttl;
    EXPECT_TRUE(mgr_->Register(e).ok());
    return e;
  }

  // Moves the clock one second at a time, running the expiry pass each time.
  void RunFor(int64_t secs) {
    for (int64_t i = 0; i < secs; ++i) {
      clock_.Advance(seconds(1));
      mgr_->RunOnce();
    }
  }

  int64_t Count() {
    EXPECT_TRUE(mgr_->CountAll().ok());
    auto n = mgr_->Count(std::chrono::milliseconds(0));
    EXPECT_TRUE(n.has_value());
    return n ? *n : -1;
  }

  storage::InmemBackend physical_;
  StorageView view_;
  FakeClock clock_;
  FakeRevoker revoker_;
  std::unique_ptr<ExpirationManager> mgr_;
};

TEST_F(ExpirationTest, RevokesInExpiryOrderAndOnlyWhenDue) {
  Make("aws/creds/a/3", 3600);
  Make("aws/creds/a/1", 10);
  Make("aws/creds/a/2", 70);
  Make("aws/creds/a/0", 5);
  RunFor(4);
  EXPECT_TRUE(revoker_.revoked.empty());
  RunFor(6);  // t = 10
  EXPECT_EQ(revoker_.revoked, (std::vector<std::string>{"aws/creds/a/0", "aws/creds/a/1"}));
  RunFor(59);  // t = 69
  EXPECT_EQ(revoker_.revoked.size(), 2u);
  RunFor(1);  // t = 70
  EXPECT_EQ(revoker_.revoked.back(), "aws/creds/a/2");
  EXPECT_EQ(Count(), 1);
  EXPECT_FALSE(mgr_->Lookup("aws/creds/a/2")->has_value());
  EXPECT_TRUE(mgr_->Lookup("aws/creds/a/3")->has_value());
}

TEST_F(ExpirationTest, RenewMovesTheExpiryAndIsCapped) {
  Make("db/creds/r/x", 30);
  RunFor(20);
  // The callback is Core's TTL calculation: here "increment, capped at issue + 100 s".
  auto renewed = mgr_->Renew("db/creds/r/x", [&](const LeaseEntry& e) -> Result<int64_t> {
    return std::min<int64_t>(60, e.issue_time + 100 - Now());
  });
  ASSERT_TRUE(renewed.has_value()) << renewed.error().ToString();
  EXPECT_EQ(renewed->ttl, 60);
  EXPECT_EQ(renewed->expire_time, Now() + 60);
  RunFor(20);  // past the first expiry (t = 40)
  EXPECT_TRUE(revoker_.revoked.empty());
  renewed = mgr_->Renew("db/creds/r/x", [&](const LeaseEntry& e) -> Result<int64_t> {
    return std::min<int64_t>(60, e.issue_time + 100 - Now());
  });
  ASSERT_TRUE(renewed.has_value());
  EXPECT_EQ(renewed->ttl, 60) << "t=40: 60 s still fits under the cap at 100";
  RunFor(30);  // t = 70
  renewed = mgr_->Renew("db/creds/r/x", [&](const LeaseEntry& e) -> Result<int64_t> {
    return std::min<int64_t>(60, e.issue_time + 100 - Now());
  });
  ASSERT_TRUE(renewed.has_value());
  EXPECT_EQ(renewed->ttl, 30) << "capped at issue time + max TTL";
  RunFor(29);
  EXPECT_TRUE(revoker_.revoked.empty());
  RunFor(1);
  EXPECT_EQ(revoker_.revoked, std::vector<std::string>{"db/creds/r/x"});
  EXPECT_EQ(Count(), 0);
  EXPECT_FALSE(mgr_->Renew("db/creds/r/x", [](const LeaseEntry&) { return int64_t{5}; }));
}

TEST_F(ExpirationTest, NotRenewableLeaseIsRefused) {
  LeaseEntry e = Make("x/y/z", 30);
  e.renewable = false;
  ASSERT_TRUE(mgr_->Register(e).ok());
  auto r = mgr_->Renew("x/y/z", [](const LeaseEntry&) { return int64_t{5}; });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "lease is not renewable");
}

TEST_F(ExpirationTest, RevokeByTokenTakesOnlyThatTokensLeases) {
  Make("aws/creds/a/1", 3600, "tokA");
  Make("aws/creds/a/2", 3600, "tokB");
  Make("aws/creds/a/3", 3600, "tokA");
  ASSERT_TRUE(mgr_->RevokeByToken("tokA").ok());
  std::sort(revoker_.revoked.begin(), revoker_.revoked.end());
  EXPECT_EQ(revoker_.revoked, (std::vector<std::string>{"aws/creds/a/1", "aws/creds/a/3"}));
  EXPECT_EQ(Count(), 1);
  EXPECT_TRUE(view_.List("token/tokA/")->empty());
}

TEST_F(ExpirationTest, FailedRevocationIsRetriedWithBackoffThenReportedNotDropped) {
  Make("aws/creds/a/1", 10);
  revoker_.fail = true;
  RunFor(10);
  EXPECT_EQ(revoker_.calls, 1);
  RunFor(1);  // retry after 1 s
  EXPECT_EQ(revoker_.calls, 2);
  RunFor(1);  // next after 2 s
  EXPECT_EQ(revoker_.calls, 2);
  RunFor(1);
  EXPECT_EQ(revoker_.calls, 3);
  RunFor(4 + 8 + 16);
  EXPECT_EQ(revoker_.calls, 6);
  EXPECT_EQ(*mgr_->ListIrrevocable(), std::vector<std::string>{"aws/creds/a/1"});
  auto lease = mgr_->Lookup("aws/creds/a/1");
  ASSERT_TRUE(lease.has_value() && lease->has_value());
  EXPECT_EQ((*lease)->revoke_error, "backend down");
  EXPECT_EQ(Count(), 1) << "an irrevocable lease is still counted";
  RunFor(120);
  EXPECT_EQ(revoker_.calls, 6) << "no more automatic attempts";
  // A plain revoke still fails; revoke-force drops it.
  EXPECT_FALSE(mgr_->RevokePrefix("aws/", false).ok());
  EXPECT_TRUE(mgr_->RevokePrefix("aws/", true).ok());
  EXPECT_FALSE(mgr_->Lookup("aws/creds/a/1")->has_value());
  EXPECT_TRUE(mgr_->ListIrrevocable()->empty());
  EXPECT_EQ(Count(), 0);
}

TEST_F(ExpirationTest, RecoveredBackendRevokesOnRetry) {
  Make("aws/creds/a/1", 10);
  revoker_.fail = true;
  RunFor(11);
  revoker_.fail = false;
  RunFor(2);
  EXPECT_EQ(revoker_.revoked, std::vector<std::string>{"aws/creds/a/1"});
  EXPECT_EQ(Count(), 0);
}

TEST_F(ExpirationTest, LeasesSurviveARestartAndStillExpire) {
  Make("aws/creds/a/1", 50);
  Make("aws/creds/a/2", 5000);
  Reset();  // a new manager (another node, or after a restart) over the same storage
  EXPECT_EQ(Count(), 2);
  RunFor(50);
  EXPECT_EQ(revoker_.revoked, std::vector<std::string>{"aws/creds/a/1"});
  EXPECT_EQ(Count(), 1);
}

TEST_F(ExpirationTest, LeasesAlreadyDueAtStartAreRevokedAtOnce) {
  Make("aws/creds/a/1", 5);
  Make("aws/creds/a/2", 7);
  clock_.Advance(hours(48));  // the cluster was down
  Reset();
  mgr_->RunOnce();
  EXPECT_EQ(revoker_.revoked.size(), 2u);
}

TEST_F(ExpirationTest, CountsStayExactWhileCountingRacesWrites) {
  for (int i = 0; i < 50; ++i) Make("p/" + std::to_string(i), 60 * (i % 7 + 1));
  Reset();  // every bucket uncounted now
  // Writes into uncounted buckets, removals of leases in uncounted buckets.
  for (int i = 50; i < 80; ++i) Make("p/" + std::to_string(i), 60 * (i % 7 + 1));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(mgr_->Revoke("p/" + std::to_string(i)).ok());
  EXPECT_EQ(Count(), 70);
  for (int i = 10; i < 20; ++i) ASSERT_TRUE(mgr_->Revoke("p/" + std::to_string(i)).ok());
  Make("q/1", 30);
  EXPECT_EQ(Count(), 61);
  EXPECT_EQ(*mgr_->ListPrefix("p/"), [] {
    std::vector<std::string> v;
    for (int i = 20; i < 80; ++i) v.push_back(std::to_string(i));
    std::sort(v.begin(), v.end());
    return v;
  }());
}

TEST_F(ExpirationTest, WritesBeforeTheBucketsAreListedAreCountedOnce) {
  for (int i = 0; i < 20; ++i) Make("p/" + std::to_string(i), 60 * (i % 5 + 1));
  // A new active node: its thread has not listed the buckets yet while requests write.
  mgr_ = std::make_unique<ExpirationManager>(view_, "sys/expire/", revoker_, clock_,
                                             crypto::SystemRandom::Get());
  for (int i = 20; i < 30; ++i) Make("p/" + std::to_string(i), 60 * (i % 7 + 1));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(mgr_->Revoke("p/" + std::to_string(i)).ok());
  EXPECT_FALSE(mgr_->Count(std::chrono::milliseconds(0)).has_value()) << "not counted yet";
  ASSERT_TRUE(mgr_->LoadBuckets().ok());
  EXPECT_EQ(Count(), 25);
  RunFor(60 * 8);
  EXPECT_EQ(Count(), 0);
  EXPECT_EQ(revoker_.revoked.size(), 30u);
}

TEST_F(ExpirationTest, TidyDropsDanglingEntriesAndLeasesOfMissingTokens) {
  Make("aws/creds/a/1", 3600, "gone");
  Make("aws/creds/a/2", 3600, "alive");
  Make("aws/creds/a/3", 3600);
  ASSERT_TRUE(view_.Delete("id/aws/creds/a/3").ok());  // a record lost, its index left
  ASSERT_TRUE(mgr_->Tidy([](const std::string& h) -> Result<bool> { return h == "alive"; }).ok());
  EXPECT_EQ(revoker_.revoked, std::vector<std::string>{"aws/creds/a/1"});
  Reset();
  EXPECT_EQ(Count(), 1);
}

TEST_F(ExpirationTest, StartedThreadRevokesWithoutBeingDriven) {
  RealClock real;
  ExpirationManager mgr(view_, "sys/expire/", revoker_, real, crypto::SystemRandom::Get());
  ASSERT_TRUE(mgr.Start(std::chrono::milliseconds(20)).ok());
  LeaseEntry e;
  e.lease_id = "aws/creds/a/now";
  int64_t now = std::chrono::duration_cast<seconds>(real.Now().time_since_epoch()).count();
  e.issue_time = now;
  e.expire_time = now + 1;
  ASSERT_TRUE(mgr.Register(e).ok());
  for (int i = 0; i < 300 && revoker_.calls.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  mgr.Stop();
  EXPECT_EQ(revoker_.revoked, std::vector<std::string>{"aws/creds/a/now"});
}

// Tokens: a token with a TTL is a lease; its expiry revokes it, and revoking a parent
// revokes the leases of its children.
class TokenLeaseTest : public ExpirationTest {
 protected:
  TokenLeaseTest()
      : token_view_(physical_, "sys/token/"),
        tokens_(token_view_, SecretBytes::FromString(std::string(32, 's')),
                SecretBytes::FromString(std::string(32, 'b')), crypto::SystemRandom::Get(),
                clock_) {
    revoker_.tokens = &tokens_;
    tokens_.SetLeases(mgr_.get(), &physical_, "sys/token/");
    tokens_.SetRevokeHook([this](const TokenEntry& e) { (void)mgr_->RevokeByToken(e.id_hash); });
  }

  TokenEntry MakeToken(const TokenEntry* parent, seconds ttl) {
    TokenCreateParams p;
    p.policies = {"dev"};
    p.ttl = ttl;
    p.max_ttl = hours(100);
    p.path = "auth/token/create";
    auto e = tokens_.Create(p, parent);
    EXPECT_TRUE(e.has_value()) << e.error().ToString();
    return *e;
  }
  bool Alive(const TokenEntry& e) {
    auto r = tokens_.Lookup(e.id);
    return r.has_value() && r->has_value();
  }

  StorageView token_view_;
  TokenStore tokens_;
};

TEST_F(TokenLeaseTest, TokenWithTtlIsALeaseRevokedAtExpiry) {
  TokenEntry t = MakeToken(nullptr, seconds(90));
  std::string lease_id = TokenStore::LeaseIdOf(t);
  EXPECT_EQ(lease_id, "auth/token/create/" + t.id_hash);
  auto lease = mgr_->Lookup(lease_id);
  ASSERT_TRUE(lease.has_value() && lease->has_value());
  EXPECT_TRUE((*lease)->is_token);
  EXPECT_EQ(Count(), 1);
  Make("aws/creds/a/1", 3600, t.id_hash);
  RunFor(89);
  EXPECT_TRUE(revoker_.revoked.empty());
  RunFor(1);
  // Revoked by the expiry pass itself, not lazily by a lookup: the secret lease went too.
  EXPECT_EQ(revoker_.revoked, std::vector<std::string>{"aws/creds/a/1"});
  EXPECT_FALSE(Alive(t));
  EXPECT_EQ(Count(), 0);
}

TEST_F(TokenLeaseTest, RenewedTokenLeaseMovesWithIt) {
  TokenEntry t = MakeToken(nullptr, seconds(60));
  RunFor(50);
  auto r = tokens_.Renew(t, seconds(120), hours(100));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  RunFor(60);
  EXPECT_TRUE(Alive(t));
  auto lease = mgr_->Lookup(TokenStore::LeaseIdOf(t));
  ASSERT_TRUE(lease.has_value() && lease->has_value());
  EXPECT_EQ((*lease)->expire_time, r->expire_time);
  RunFor(60);
  EXPECT_FALSE(Alive(t));
  EXPECT_EQ(Count(), 0);
}

TEST_F(TokenLeaseTest, RevokingAParentRevokesItsChildrensLeases) {
  TokenEntry parent = MakeToken(nullptr, hours(10));
  TokenEntry child = MakeToken(&parent, hours(1));
  TokenEntry grandchild = MakeToken(&child, hours(1));
  Make("aws/creds/a/child", 3600, child.id_hash);
  Make("aws/creds/a/grand", 3600, grandchild.id_hash);
  Make("aws/creds/a/other", 3600, "someone-else");
  ASSERT_TRUE(tokens_.RevokeTree(parent).ok());
  std::sort(revoker_.revoked.begin(), revoker_.revoked.end());
  EXPECT_EQ(revoker_.revoked, (std::vector<std::string>{"aws/creds/a/child", "aws/creds/a/grand"}));
  EXPECT_FALSE(Alive(child));
  EXPECT_FALSE(Alive(grandchild));
  EXPECT_EQ(Count(), 1) << "only the unrelated lease is left (token leases went too)";
}

TEST_F(TokenLeaseTest, LastUseIsPendingUntilRevoked) {
  TokenCreateParams p;
  p.policies = {"dev"};
  p.ttl = hours(1);
  p.num_uses = 1;
  p.path = "auth/token/create";
  auto t = tokens_.Create(p, nullptr);
  ASSERT_TRUE(t.has_value());
  TokenEntry e = *t;
  ASSERT_TRUE(*tokens_.UseToken(e));
  EXPECT_EQ(e.num_uses, -1);
  EXPECT_FALSE(Alive(*t)) << "a second request with it is refused at once";
  ASSERT_TRUE(tokens_.RevokeUsedUp(t->id_hash).ok());
  EXPECT_FALSE(token_view_.Get("id/" + t->id_hash)->has_value());
  EXPECT_EQ(Count(), 0);
}

}  // namespace
}  // namespace coffer::core
