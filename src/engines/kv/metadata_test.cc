// KeyMetadata and KvConfig: serialisation round trips and the pure rules.

#include "engines/kv/metadata.h"

#include <gtest/gtest.h>

namespace coffer::engines::kv {
namespace {

TimePoint At(int64_t s) { return TimePoint(std::chrono::seconds(s)); }

TEST(KeyMetadataTest, SerializeRoundTrip) {
  KeyMetadata m;
  m.key = "a/b";
  m.custom_metadata = {{"x", "y"}};
  m.max_versions = 3;
  m.cas_required = true;
  m.delete_version_after = std::chrono::seconds(60);
  m.AddVersion(At(100) + std::chrono::nanoseconds(123), std::nullopt, 0);
  m.AddVersion(At(200), At(260), 0);
  m.Find(1)->destroyed = true;
  auto parsed = KeyMetadata::Parse(m.Serialize());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->ToJson(), m.ToJson());
  EXPECT_EQ(parsed->key, "a/b");
  EXPECT_EQ(parsed->Find(1)->created_time, At(100) + std::chrono::nanoseconds(123));
  EXPECT_EQ(*parsed->Find(2)->deletion_time, At(260));
  EXPECT_FALSE(KeyMetadata::Parse("{").has_value());
  EXPECT_FALSE(KeyMetadata::Parse("{\"key\": 1}").has_value());
}

TEST(KeyMetadataTest, TimesPrintWithNanoseconds) {
  KeyMetadata m;
  m.AddVersion(At(1700000000) + std::chrono::nanoseconds(120), std::nullopt, 0);
  EXPECT_EQ(m.ToJson()["versions"]["1"]["created_time"], "2023-11-14T22:13:20.00000012Z");
}

TEST(KeyMetadataTest, AddVersionPrunesToTheWindow) {
  KeyMetadata m;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(m.AddVersion(At(i), std::nullopt, 3).empty());
  EXPECT_EQ(m.oldest_version, 1u);
  EXPECT_EQ(m.AddVersion(At(3), std::nullopt, 3), std::vector<uint64_t>({1}));
  // Shrinking the window drops several at once.
  m.max_versions = 0;
  EXPECT_EQ(m.AddVersion(At(4), std::nullopt, 1), std::vector<uint64_t>({2, 3, 4}));
  EXPECT_EQ(m.versions.size(), 1u);
  EXPECT_EQ(m.oldest_version, 5u);
  EXPECT_EQ(m.current_version, 5u);
}

TEST(KvConfigTest, RoundTripAndScheduledDeletion) {
  KvConfig c;
  c.max_versions = 7;
  c.delete_version_after = std::chrono::seconds(-1);
  auto parsed = KvConfig::Parse(c.Serialize());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->max_versions, 7u);
  EXPECT_TRUE(parsed->DeleteVersionAfterDisabled());

  KeyMetadata m;
  m.delete_version_after = std::chrono::seconds(30);
  EXPECT_FALSE(ScheduledDeletion(At(0), c, m).has_value());  // disabled by the mount
  c.delete_version_after = std::chrono::seconds(10);
  EXPECT_EQ(*ScheduledDeletion(At(0), c, m), At(10));  // the smaller wins
  c.delete_version_after = std::chrono::seconds(0);
  EXPECT_EQ(*ScheduledDeletion(At(0), c, m), At(30));
  m.delete_version_after = std::chrono::seconds(0);
  EXPECT_FALSE(ScheduledDeletion(At(0), c, m).has_value());
}

TEST(KvConfigTest, SignedDurations) {
  EXPECT_EQ(*ParseSignedDuration("-1s"), std::chrono::seconds(-1));
  EXPECT_EQ(*ParseSignedDuration("2h"), std::chrono::hours(2));
  EXPECT_EQ(*ParseSignedDuration(-5), std::chrono::seconds(-5));
  EXPECT_FALSE(ParseSignedDuration("soon").has_value());
  EXPECT_FALSE(ParseSignedDuration(Json::array()).has_value());
}

}  // namespace
}  // namespace coffer::engines::kv
