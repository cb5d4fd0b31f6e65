#include "auth/token/ttl.h"

#include <gtest/gtest.h>

namespace coffer::auth::token {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const TtlLimits kLimits{hours(1), hours(10)};
constexpr int64_t kNow = 1'700'000'000;

TEST(CalculateTtlTest, DefaultRequestedAndIncrement) {
  EXPECT_EQ(
      CalculateTtl(kLimits, seconds(0), seconds(0), seconds(0), seconds(0), seconds(0), kNow, kNow)
          ->ttl,
      hours(1));
  EXPECT_EQ(
      CalculateTtl(kLimits, seconds(0), hours(2), seconds(0), seconds(0), seconds(0), kNow, kNow)
          ->ttl,
      hours(2));
  EXPECT_EQ(
      CalculateTtl(kLimits, hours(3), hours(2), seconds(0), seconds(0), seconds(0), kNow, kNow)
          ->ttl,
      hours(3));
}

TEST(CalculateTtlTest, CappedByMaxCountedFromStart) {
  auto r =
      CalculateTtl(kLimits, seconds(0), hours(20), seconds(0), seconds(0), seconds(0), kNow, kNow);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->ttl, hours(10));
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0],
            "TTL of \"20h0m0s\" exceeded the effective max_ttl of \"10h0m0s\"; TTL value is "
            "capped accordingly");
  // Renewing 9h after creation leaves 1h before the max.
  r = CalculateTtl(kLimits, hours(5), seconds(0), seconds(0), seconds(0), seconds(0), kNow,
                   kNow + 9 * 3600);
  EXPECT_EQ(r->ttl, hours(1));
  // Past the max: no renewal.
  r = CalculateTtl(kLimits, hours(5), seconds(0), seconds(0), seconds(0), seconds(0), kNow,
                   kNow + 11 * 3600);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "past the max TTL, cannot renew");
}

TEST(CalculateTtlTest, ExplicitAndBackendMaxLowerTheCap) {
  EXPECT_EQ(
      CalculateTtl(kLimits, seconds(0), hours(5), seconds(0), hours(4), seconds(0), kNow, kNow)
          ->ttl,
      hours(4));
  EXPECT_EQ(
      CalculateTtl(kLimits, seconds(0), hours(5), seconds(0), hours(4), hours(2), kNow, kNow)->ttl,
      hours(2));
}

TEST(CalculateTtlTest, PeriodicTokensGetThePeriod) {
  // A period ignores the start + max bound (periodic tokens live as long as renewed)...
  auto r = CalculateTtl(kLimits, hours(9), seconds(0), hours(2), seconds(0), seconds(0), kNow,
                        kNow + 100 * 3600);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->ttl, hours(2));
  // ...but is capped at the effective max, and bounded by explicit_max_ttl from the start.
  r = CalculateTtl(kLimits, seconds(0), seconds(0), hours(12), seconds(0), seconds(0), kNow, kNow);
  EXPECT_EQ(r->ttl, hours(10));
  EXPECT_EQ(r->warnings.size(), 1u);
  r = CalculateTtl(kLimits, seconds(0), seconds(0), hours(2), seconds(0), hours(3), kNow,
                   kNow + 2 * 3600);
  EXPECT_EQ(r->ttl, hours(1));
}

TEST(CalculateTtlTest, NoPositiveMaxIsAnError) {
  auto r = CalculateTtl(TtlLimits{}, seconds(0), seconds(0), seconds(0), seconds(0), seconds(0),
                        kNow, kNow);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace coffer::auth::token
