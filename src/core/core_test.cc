// CoreImpl lifecycle: init with Shamir shares, unseal progress, restart, seal. The
// request pipeline with real engines is tested end to end (tests/e2e) and in
// engines/sys/, where the sys and token backends are available.
#include <gtest/gtest.h>

#include "core/core_impl.h"
#include "crypto/hash.h"
#include "storage/inmem/inmem.h"

namespace coffer::core {
namespace {

std::string B64(const SecretBytes& s) { return crypto::Base64Encode(s.view()); }
std::string Hex(const SecretBytes& s) { return crypto::HexEncode(s.view()); }

class CoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<CoreImpl> NewCore() {
    CoreOptions o;
    o.physical = &physical_;
    o.clock = &clock_;
    o.registry = &registry_;
    return std::make_unique<CoreImpl>(std::move(o));
  }
  storage::InmemBackend physical_;
  FakeClock clock_;
  Registry registry_;
};

TEST_F(CoreTest, InitUnsealWithThresholdOfSharesAndRestart) {
  auto core = NewCore();
  EXPECT_FALSE(core->IsInitialized().value());
  InitParams p;
  p.secret_shares = 5;
  p.secret_threshold = 3;
  auto init = core->Initialize(p);
  ASSERT_TRUE(init.has_value()) << init.error().ToString();
  ASSERT_EQ(init->keys.size(), 5u);
  EXPECT_EQ(init->keys[0].size(), 33u);
  EXPECT_EQ(init->root_token.rfind("hvs.", 0), 0u);
  EXPECT_TRUE(core->IsInitialized().value());
  EXPECT_TRUE(core->Sealed());
  EXPECT_FALSE(core->Initialize(p).has_value());

  auto s = core->Unseal(B64(init->keys[4]));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->progress, 1);
  EXPECT_FALSE(s->nonce.empty());
  EXPECT_TRUE(s->sealed);
  s = core->Unseal(B64(init->keys[4]));  // a repeated share does not count twice
  EXPECT_EQ(s->progress, 1);
  s = core->Unseal(Hex(init->keys[1]));  // hex is accepted too
  EXPECT_EQ(s->progress, 2);
  s = core->Unseal(B64(init->keys[2]));
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  EXPECT_FALSE(s->sealed);
  EXPECT_EQ(s->threshold, 3);
  EXPECT_EQ(s->shares, 5);
  EXPECT_FALSE(s->cluster_id.empty());
  auto root = core->Tokens().Lookup(init->root_token);
  ASSERT_TRUE(root.has_value() && root->has_value());

  // A new process over the same storage starts sealed and unseals with other shares.
  core.reset();
  core = NewCore();
  EXPECT_TRUE(core->Sealed());
  for (int i : {0, 1, 3}) ASSERT_TRUE(core->Unseal(B64(init->keys[i])).has_value());
  EXPECT_FALSE(core->Sealed());
  EXPECT_TRUE(core->Tokens().Lookup(init->root_token).value().has_value());
}

TEST_F(CoreTest, WrongSharesFailAndResetProgress) {
  auto core = NewCore();
  InitParams p;
  p.secret_shares = 3;
  p.secret_threshold = 2;
  auto init = core->Initialize(p).value();
  auto other = NewCore();  // shares of a different cluster
  storage::InmemBackend other_physical;
  CoreOptions o;
  o.physical = &other_physical;
  o.registry = &registry_;
  CoreImpl stranger(std::move(o));
  auto foreign = stranger.Initialize(p).value();
  ASSERT_TRUE(core->Unseal(B64(init.keys[0])).has_value());
  auto bad = core->Unseal(B64(foreign.keys[1]));
  EXPECT_FALSE(bad.has_value());
  EXPECT_TRUE(core->Sealed());
  EXPECT_EQ(core->GetSealStatus().progress, 0);
  EXPECT_FALSE(core->Unseal("not-base64!").has_value());
  EXPECT_FALSE(core->Unseal(B64(SecretBytes::FromString("short"))).has_value());
}

TEST_F(CoreTest, InitValidatesParameters) {
  auto core = NewCore();
  InitParams p;
  p.secret_shares = 3;
  p.secret_threshold = 4;
  EXPECT_FALSE(core->Initialize(p).has_value());
  p.secret_threshold = 1;
  EXPECT_FALSE(core->Initialize(p).has_value());
  p.secret_shares = 0;
  EXPECT_FALSE(core->Initialize(p).has_value());
  p.secret_shares = 1;
  p.secret_threshold = 1;
  p.pgp_keys = {"key"};
  EXPECT_FALSE(core->Initialize(p).has_value());
  EXPECT_FALSE(core->IsInitialized().value());
}

TEST_F(CoreTest, SealedCoreRefusesRequestsAndSealClearsKeys) {
  auto core = NewCore();
  Request req;
  req.path = "secret/foo";
  EXPECT_EQ(core->HandleRequest(req).error().code(), StatusCode::kSealed);
  InitParams p;
  p.secret_shares = 1;
  p.secret_threshold = 1;
  auto init = core->Initialize(p).value();
  EXPECT_EQ(init.keys[0].size(), 32u);
  ASSERT_FALSE(core->Unseal(B64(init.keys[0]))->sealed);
  req.client_token = "hvs.bogus";
  {
    auto r = core->HandleRequest(req);
    EXPECT_EQ(r.error().code(), StatusCode::kPermissionDenied) << r.error().ToString();
  }
  ASSERT_TRUE(core->Seal().ok());
  EXPECT_TRUE(core->Sealed());
  EXPECT_TRUE(core->GetBarrier().Sealed());
  EXPECT_EQ(core->HandleRequest(req).error().code(), StatusCode::kSealed);
}

}  // namespace
}  // namespace coffer::core
