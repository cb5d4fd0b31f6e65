#include "base/duration.h"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(DurationTest, ParsesVaultForms) {
  EXPECT_EQ(ParseDuration("768h").value().count(), 768 * 3600);
  EXPECT_EQ(ParseDuration("1h30m").value().count(), 5400);
  EXPECT_EQ(ParseDuration("45s").value().count(), 45);
  EXPECT_EQ(ParseDuration("3600").value().count(), 3600);
  EXPECT_EQ(ParseDuration("7d").value().count(), 7 * 86400);
  EXPECT_EQ(ParseDuration("1.5h").value().count(), 5400);
  EXPECT_EQ(ParseDuration("1500ms").value().count(), 1);
  EXPECT_EQ(ParseDuration("").value().count(), 0);
}

TEST(DurationTest, RejectsBadInput) {
  EXPECT_FALSE(ParseDuration("abc").has_value());
  EXPECT_FALSE(ParseDuration("-5s").has_value());
  EXPECT_FALSE(ParseDuration("5y").has_value());
  EXPECT_FALSE(ParseDuration("h").has_value());
}

TEST(DurationTest, FormatsLikeGo) {
  EXPECT_EQ(FormatDuration(std::chrono::seconds(0)), "0s");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(std::chrono::hours(768)), "768h0m0s");
}

}  // namespace
}  // namespace coffer
