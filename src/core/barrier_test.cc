#include "core/barrier.h"

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "storage/inmem/inmem.h"
#include "storage/keys.h"
#include "storage/testing.h"

namespace coffer::core {
namespace {

using storage::InmemBackend;

SecretBytes Key(char c) { return SecretBytes::FromString(std::string(32, c)); }

// The barrier passes the same conformance suite as the physical backends.
class BarrierHarness : public storage::BackendHarness {
 public:
  BarrierHarness() : barrier_(physical_, crypto::SystemRandom::Get(), RealClock::Get()) {
    EXPECT_TRUE(barrier_.Initialize(Key('k')).ok());
    EXPECT_TRUE(barrier_.Unseal(Key('k')).ok());
  }
  // Engines see the barrier through a view, as here; the barrier's own "core/" keys stay
  // outside it.
  storage::Backend& backend() override { return view_; }
  size_t MaxKeySize() const override { return storage::kMaxKeySize - 2; }

 private:
  InmemBackend physical_;
  Barrier barrier_;
  StorageView view_{barrier_, "v/"};
};

using storage::BackendConformanceTest;
INSTANTIATE_TEST_SUITE_P(Barrier, BackendConformanceTest,
                         ::testing::Values(storage::BackendParam{
                             "Barrier", [] { return std::make_unique<BarrierHarness>(); }}),
                         storage::BackendParamName);

class BarrierTest : public ::testing::Test {
 protected:
  BarrierTest() : barrier_(physical_, crypto::SystemRandom::Get(), clock_) {}
  InmemBackend physical_;
  FakeClock clock_;
  Barrier barrier_;
};

TEST_F(BarrierTest, PhysicalStorageSeesOnlyCiphertext) {
  ASSERT_TRUE(barrier_.Initialize(Key('a')).ok());
  ASSERT_TRUE(barrier_.Unseal(Key('a')).ok());
  ASSERT_TRUE(barrier_.Put("secret/foo", "top-secret-value").ok());
  auto raw = physical_.Get("secret/foo");
  ASSERT_TRUE(raw.has_value() && raw->has_value());
  EXPECT_EQ((*raw)->find("top-secret-value"), std::string::npos);
  EXPECT_EQ(barrier_.Get("secret/foo").value().value(), "top-secret-value");
  auto keyring = physical_.Get(kKeyringPath);
  ASSERT_TRUE(keyring.has_value() && keyring->has_value());
  EXPECT_EQ((*keyring)->find("terms"), std::string::npos);
}

TEST_F(BarrierTest, WrongKeyAndSealedAreRefused) {
  ASSERT_TRUE(barrier_.Initialize(Key('a')).ok());
  EXPECT_TRUE(barrier_.Sealed());
  EXPECT_EQ(barrier_.Get("x").error().code(), StatusCode::kSealed);
  EXPECT_EQ(barrier_.Unseal(Key('b')).code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(barrier_.Sealed());
  EXPECT_FALSE(barrier_.Initialize(Key('a')).ok());  // already initialised
}

TEST_F(BarrierTest, TamperingAndMovingEntriesIsDetected) {
  ASSERT_TRUE(barrier_.Initialize(Key('a')).ok());
  ASSERT_TRUE(barrier_.Unseal(Key('a')).ok());
  ASSERT_TRUE(barrier_.Put("a", "value-a").ok());
  std::string blob = physical_.Get("a").value().value();
  // Copying an entry to another path fails: the path is associated data.
  ASSERT_TRUE(physical_.Put("b", blob).ok());
  EXPECT_EQ(barrier_.Get("b").error().code(), StatusCode::kCorruption);
  // Any flipped bit fails authentication.
  for (size_t i = 0; i < blob.size(); i += 7) {
    std::string bad = blob;
    bad[i] ^= 0x01;
    ASSERT_TRUE(physical_.Put("a", bad).ok());
    EXPECT_FALSE(barrier_.Get("a").has_value()) << "byte " << i;
  }
  ASSERT_TRUE(physical_.Put("a", blob.substr(0, 10)).ok());
  EXPECT_FALSE(barrier_.Get("a").has_value());
}

TEST_F(BarrierTest, RotationKeepsOldEntriesReadable) {
  ASSERT_TRUE(barrier_.Initialize(Key('a')).ok());
  ASSERT_TRUE(barrier_.Unseal(Key('a')).ok());
  ASSERT_TRUE(barrier_.Put("old", "1").ok());
  EXPECT_EQ(barrier_.ActiveKeyInfo()->term, 1u);
  ASSERT_TRUE(barrier_.Rotate().ok());
  EXPECT_EQ(barrier_.ActiveKeyInfo()->term, 2u);
  ASSERT_TRUE(barrier_.Put("new", "2").ok());
  EXPECT_EQ(static_cast<uint8_t>(physical_.Get("new").value().value()[3]), 2);
  barrier_.Seal();
  ASSERT_TRUE(barrier_.Unseal(Key('a')).ok());
  EXPECT_EQ(barrier_.Get("old").value().value(), "1");
  EXPECT_EQ(barrier_.Get("new").value().value(), "2");
  EXPECT_EQ(barrier_.ActiveKeyInfo()->term, 2u);
}

TEST_F(BarrierTest, StorageViewPrefixesKeys) {
  ASSERT_TRUE(barrier_.Initialize(Key('a')).ok());
  ASSERT_TRUE(barrier_.Unseal(Key('a')).ok());
  StorageView view(barrier_, "logical/abc/");
  ASSERT_TRUE(view.Put("foo/bar", "x").ok());
  EXPECT_EQ(barrier_.Get("logical/abc/foo/bar").value().value(), "x");
  EXPECT_EQ(view.List("").value(), std::vector<std::string>{"foo/"});
  std::vector<storage::Op> ops = {storage::Op::Put("k1", "1"), storage::Op::Delete("foo/bar")};
  ASSERT_TRUE(view.Batch(ops).ok());
  EXPECT_FALSE(barrier_.Get("logical/abc/foo/bar").value().has_value());
  EXPECT_EQ(barrier_.Get("logical/abc/k1").value().value(), "1");
}

}  // namespace
}  // namespace coffer::core
