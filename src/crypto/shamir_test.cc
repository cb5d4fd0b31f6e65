#include "crypto/shamir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "crypto/fake_random.h"
#include "crypto/gf256.h"
#include "crypto/hash.h"
#include "crypto/test_util.h"

namespace coffer::crypto {
namespace {

using testing::Unhex;

// Schoolbook carry-less multiplication reduced by 0x11b: a reference that shares no
// code with gf256::Mul.
uint8_t ReferenceMul(uint8_t a, uint8_t b) {
  unsigned product = 0;
  for (int i = 0; i < 8; ++i) {
    if (b & (1 << i)) product ^= static_cast<unsigned>(a) << i;
  }
  for (int bit = 14; bit >= 8; --bit) {
    if (product & (1u << bit)) product ^= 0x11bu << (bit - 8);
  }
  return static_cast<uint8_t>(product);
}

TEST(Gf256Test, KnownProducts) {
  EXPECT_EQ(gf256::Mul(3, 7), 9);           // Vault's shamir_test.go
  EXPECT_EQ(gf256::Mul(0x57, 0x83), 0xc1);  // FIPS-197 section 4.2
  EXPECT_EQ(gf256::Mul(0x57, 0x13), 0xfe);
  EXPECT_EQ(gf256::Mul(3, 0), 0);
  EXPECT_EQ(gf256::Mul(0, 3), 0);
  EXPECT_EQ(gf256::Div(0, 7), 0);
  EXPECT_EQ(gf256::Div(3, 3), 1);
  EXPECT_EQ(gf256::Div(6, 3), 2);
  EXPECT_EQ(gf256::Add(16, 16), 0);
  EXPECT_EQ(gf256::Add(3, 4), 7);
}

TEST(Gf256Test, MulMatchesReferenceForAllPairs) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      ASSERT_EQ(gf256::Mul(a, b), ReferenceMul(a, b)) << a << " * " << b;
    }
  }
}

TEST(Gf256Test, InverseAndDivision) {
  EXPECT_EQ(gf256::Inverse(0), 0);
  for (int a = 1; a < 256; ++a) {
    ASSERT_EQ(gf256::Mul(a, gf256::Inverse(a)), 1) << a;
    for (int b = 1; b < 256; b += 17) ASSERT_EQ(gf256::Mul(gf256::Div(a, b), b), a);
  }
}

SecretBytes Bytes(std::string_view hex) { return SecretBytes::FromString(Unhex(hex)); }

std::vector<SecretBytes> Pick(const std::vector<SecretBytes>& all, const std::vector<int>& idx) {
  std::vector<SecretBytes> out;
  for (int i : idx) out.push_back(all[i].Clone());
  return out;
}

// Shares computed by hand in the share layout Vault uses (y bytes, then x). Threshold 2,
// secret 2a 00, polynomials 2a + 53x and 00 + ff*x, at x = 1, 2, 3:
//   x=1: 2a^53=79, ff           x=2: 2a^a6=8c, ff*2=1fe^11b=e5     x=3: 2a^f5=df, e5^ff=1a
TEST(ShamirTest, HandComputedThresholdTwo) {
  std::vector<SecretBytes> shares;
  shares.push_back(Bytes("79ff01"));
  shares.push_back(Bytes("8ce502"));
  shares.push_back(Bytes("df1a03"));
  for (const auto& pair : std::vector<std::vector<int>>{{0, 1}, {1, 2}, {2, 0}, {0, 1, 2}}) {
    auto secret = ShamirCombine(Pick(shares, pair));
    ASSERT_TRUE(secret) << secret.error().ToString();
    EXPECT_EQ(HexEncode(secret->view()), "2a00");
  }
}

// Threshold 3, secret "Vlt", x coordinates 0d 42 f0 7b (not 1..n, as Vault's random
// permutation produces). Polynomials V + 1f x + c4 x^2, l + 0 x + 01 x^2,
// t + a5 x + 5a x^2, evaluated by an independent implementation.
TEST(ShamirTest, KnownVectorThresholdThree) {
  std::vector<SecretBytes> shares;
  for (const char* hex : {"003dd00d", "ebc3c742", "bb2a52f0", "83f5417b"}) {
    shares.push_back(Bytes(hex));
  }
  for (const auto& subset :
       std::vector<std::vector<int>>{{0, 1, 2}, {1, 2, 3}, {3, 0, 2}, {0, 1, 3}, {0, 1, 2, 3}}) {
    auto secret = ShamirCombine(Pick(shares, subset));
    ASSERT_TRUE(secret);
    EXPECT_EQ(secret->view(), "Vlt");
  }
  auto two = ShamirCombine(Pick(shares, {0, 1}));
  ASSERT_TRUE(two);
  EXPECT_NE(two->view(), "Vlt");
}

// Unseal keys printed by a real `vault operator init -key-shares=5 -key-threshold=3`
// (a throwaway cluster, published in a tutorial). The secret is unknown, but if the
// field, the share layout or the x byte's position differed from Vault's, different
// 3-subsets would not agree.
TEST(ShamirTest, CombinesSharesMadeByVault) {
  std::vector<SecretBytes> shares;
  for (const char* b64 : {"AkbLwOGYPGVn36KtvOL9/HN75G6ZPRBbq1nVNJwMy+it",
                          "kTqC+TgNCTdMfxcSbGTFjWQOaOJRET06SMFgsO0+tbq8",
                          "h+vzPyk33QdCLWn0rcmUnyZ8aF/tAM/LFFyt6tVDpGva",
                          "yfzrshFsPw5RFqub/gJ4Nl1I9hGEFFc4WAPujtAmQFcS",
                          "77d9+KICIBVSJ76vaDaj1pIlj7xZwdGyTIe2/tJQEItZ"}) {
    auto raw = Base64Decode(b64);
    ASSERT_TRUE(raw);
    ASSERT_EQ(raw->size(), 33u);
    shares.push_back(SecretBytes::FromString(*raw));
  }
  auto reference = ShamirCombine(Pick(shares, {0, 1, 2}));
  ASSERT_TRUE(reference);
  EXPECT_EQ(reference->size(), 32u);
  for (int i = 0; i < 5; ++i) {
    for (int j = i + 1; j < 5; ++j) {
      auto pair = ShamirCombine(Pick(shares, {i, j}));
      ASSERT_TRUE(pair);
      EXPECT_FALSE(pair->Equals(*reference));
      for (int k = j + 1; k < 5; ++k) {
        auto got = ShamirCombine(Pick(shares, {k, i, j}));
        ASSERT_TRUE(got);
        EXPECT_TRUE(got->Equals(*reference)) << i << j << k;
      }
    }
  }
  auto all = ShamirCombine(Pick(shares, {4, 3, 2, 1, 0}));
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->Equals(*reference));
}

TEST(ShamirTest, SplitRejectsWithVaultMessages) {
  SeededRandom r(1);
  SecretBytes secret = SecretBytes::FromString("test");
  struct Case {
    int parts, threshold;
    const char* message;
  } cases[] = {
      {0, 0, "threshold must be at least 2"}, {2, 3, "parts cannot be less than threshold"},
      {1000, 3, "parts cannot exceed 255"},   {10, 1, "threshold must be at least 2"},
      {256, 256, "parts cannot exceed 255"},
  };
  for (const Case& c : cases) {
    auto out = ShamirSplit(secret, c.parts, c.threshold, r);
    ASSERT_FALSE(out) << c.parts << "/" << c.threshold;
    EXPECT_EQ(out.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(out.error().message(), c.message);
  }
  auto empty = ShamirSplit(SecretBytes(), 3, 2, r);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message(), "cannot split an empty secret");
  FailingRandom failing;
  EXPECT_FALSE(ShamirSplit(secret, 3, 2, failing));
}

TEST(ShamirTest, SharesHaveDistinctNonZeroX) {
  SeededRandom r(2);
  SecretBytes secret = SecretBytes::FromString(std::string(32, 's'));
  auto shares = ShamirSplit(secret, 255, 3, r);
  ASSERT_TRUE(shares);
  ASSERT_EQ(shares->size(), 255u);
  std::set<int> xs;
  for (const SecretBytes& s : *shares) {
    ASSERT_EQ(s.size(), 33u);
    xs.insert(s.data()[32]);
  }
  EXPECT_EQ(xs.size(), 255u);
  EXPECT_EQ(*xs.begin(), 1);
  EXPECT_EQ(*xs.rbegin(), 255);

  // Small splits draw their x coordinates from all of 1..255, not just 1..parts.
  std::set<int> small_xs;
  for (int i = 0; i < 50; ++i) {
    auto s = ShamirSplit(secret, 3, 2, r);
    ASSERT_TRUE(s);
    for (const SecretBytes& share : *s) small_xs.insert(share.data()[32]);
  }
  EXPECT_GT(small_xs.size(), 60u);
  EXPECT_GT(*small_xs.rbegin(), 3);
}

TEST(ShamirTest, EveryThresholdSubsetRecovers) {
  SeededRandom r(3);
  for (int parts = 2; parts <= 6; ++parts) {
    for (int threshold = 2; threshold <= parts; ++threshold) {
      auto secret = RandomBytes(r, 32);
      ASSERT_TRUE(secret);
      auto shares = ShamirSplit(*secret, parts, threshold, r);
      ASSERT_TRUE(shares) << shares.error().ToString();
      ASSERT_EQ(shares->size(), static_cast<size_t>(parts));
      // Every subset of the shares, by bitmask.
      for (unsigned mask = 1; mask < (1u << parts); ++mask) {
        std::vector<int> idx;
        for (int i = 0; i < parts; ++i) {
          if (mask & (1u << i)) idx.push_back(i);
        }
        if (idx.size() < 2) continue;
        auto got = ShamirCombine(Pick(*shares, idx));
        ASSERT_TRUE(got);
        bool enough = static_cast<int>(idx.size()) >= threshold;
        // Fewer than threshold shares give some other 32 bytes (equal with chance 2^-256).
        EXPECT_EQ(got->Equals(*secret), enough) << parts << "/" << threshold << " mask " << mask;
      }
    }
  }
}

TEST(ShamirTest, LargeAndRandomConfigurations) {
  SeededRandom r(4);
  struct Case {
    int parts, threshold;
    size_t len;
  } cases[] = {{5, 3, 1},    {5, 3, 33},    {10, 2, 64},    {10, 10, 32},  {20, 7, 16},
               {255, 2, 32}, {255, 128, 8}, {255, 255, 32}, {100, 50, 300}};
  for (const Case& c : cases) {
    auto secret = RandomBytes(r, c.len);
    ASSERT_TRUE(secret);
    auto shares = ShamirSplit(*secret, c.parts, c.threshold, r);
    ASSERT_TRUE(shares);
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<int> idx(c.parts);
      for (int i = 0; i < c.parts; ++i) idx[i] = i;
      // A random ordering; its first `threshold` entries are a random subset.
      for (int i = c.parts - 1; i > 0; --i) {
        uint8_t b[2];
        ASSERT_TRUE(r.Fill(b, 2).ok());
        std::swap(idx[i], idx[((b[0] << 8) | b[1]) % (i + 1)]);
      }
      idx.resize(c.threshold);
      auto got = ShamirCombine(Pick(*shares, idx));
      ASSERT_TRUE(got);
      EXPECT_TRUE(got->Equals(*secret)) << c.parts << "/" << c.threshold;
      if (c.threshold > 2 && c.len >= 8) {
        idx.pop_back();
        auto short_by_one = ShamirCombine(Pick(*shares, idx));
        ASSERT_TRUE(short_by_one);
        EXPECT_FALSE(short_by_one->Equals(*secret));
      }
    }
  }
}

TEST(ShamirTest, CombineRejectsBadShares) {
  auto expect_error = [](std::vector<SecretBytes> shares, const std::string& message) {
    auto r = ShamirCombine(shares);
    ASSERT_FALSE(r) << message;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.error().message(), message);
  };
  auto make = [](std::initializer_list<const char*> parts) {
    std::vector<SecretBytes> v;
    for (const char* p : parts) v.push_back(SecretBytes::FromString(p));
    return v;
  };
  expect_error({}, "less than two parts cannot be used to reconstruct the secret");
  expect_error(make({"foo"}), "less than two parts cannot be used to reconstruct the secret");
  expect_error(make({"foo", "ba"}), "all parts must be the same length");
  expect_error(make({"foo", "bar", "bazz"}), "all parts must be the same length");
  expect_error(make({"f", "b"}), "parts must be at least two bytes");
  expect_error(make({"foo", "foo"}), "duplicate part detected");
  expect_error(make({"abx", "cdy", "efx"}), "duplicate part detected");

  // A real share given twice is a duplicate too.
  SeededRandom r(5);
  auto shares = ShamirSplit(SecretBytes::FromString("secret"), 3, 2, r);
  ASSERT_TRUE(shares);
  expect_error(Pick(*shares, {0, 1, 0}), "duplicate part detected");
}

}  // namespace
}  // namespace coffer::crypto
