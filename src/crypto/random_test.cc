#include "crypto/random.h"

#include <gtest/gtest.h>

#include <array>
#include <regex>
#include <set>

#include "crypto/fake_random.h"

namespace coffer::crypto {
namespace {

TEST(SystemRandomTest, FillsAndDiffers) {
  auto a = RandomBytes(SystemRandom::Get(), 32);
  auto b = RandomBytes(SystemRandom::Get(), 32);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_FALSE(a->Equals(*b));
  auto empty = RandomBytes(SystemRandom::Get(), 0);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(RandomBase62Test, LengthAndAlphabet) {
  for (size_t n : {0, 1, 24, 1000}) {
    auto s = RandomBase62(SystemRandom::Get(), n);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->size(), n);
    EXPECT_TRUE(std::regex_match(*s, std::regex("[0-9A-Za-z]*"))) << *s;
  }
}

TEST(RandomBase62Test, RejectsBytesThatWouldBias) {
  // 248..255 are skipped; the rest map to byte % 62.
  ScriptedRandom r({255, 0, 248, 61, 62, 247, 250, 123});
  auto s = RandomBase62(r, 5);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, "0z0zz");
}

TEST(RandomBase62Test, RoughlyUniform) {
  SeededRandom r(7);
  const size_t n = 62 * 2000;
  auto s = RandomBase62(r, n);
  ASSERT_TRUE(s);
  std::array<int, 256> counts{};
  for (char c : *s) ++counts[static_cast<uint8_t>(c)];
  // Chi-square with 61 degrees of freedom; 120 is far beyond the 99.99th percentile.
  double chi2 = 0;
  for (char c : std::string("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")) {
    double d = counts[static_cast<uint8_t>(c)] - 2000.0;
    chi2 += d * d / 2000.0;
  }
  EXPECT_LT(chi2, 120.0);
}

TEST(UuidTest, FormatVersionAndVariant) {
  std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto id = GenerateUuid(SystemRandom::Get());
    ASSERT_TRUE(id);
    EXPECT_EQ(id->size(), 36u);
    EXPECT_TRUE(std::regex_match(*id, v4)) << *id;
    seen.insert(*id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(UuidTest, FixedBytes) {
  ScriptedRandom ones({0xff});
  EXPECT_EQ(*GenerateUuid(ones), "ffffffff-ffff-4fff-bfff-ffffffffffff");
  ScriptedRandom zeros({0x00});
  EXPECT_EQ(*GenerateUuid(zeros), "00000000-0000-4000-8000-000000000000");
}

TEST(RandomTest, FailuresPropagate) {
  FailingRandom r;
  EXPECT_FALSE(RandomBytes(r, 1));
  EXPECT_FALSE(RandomBase62(r, 1));
  EXPECT_FALSE(GenerateUuid(r));
}

}  // namespace
}  // namespace coffer::crypto
