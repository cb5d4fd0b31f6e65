// K/V version 2: metadata/ read, write, patch, delete and list; custom_metadata.

#include <gtest/gtest.h>

#include "engines/kv/kv_test_util.h"
#include "engines/kv/layout.h"

namespace coffer::engines::kv {
namespace {

using core::Operation;

Json Put(Json data) { return {{"data", std::move(data)}}; }

TEST(KvV2MetadataTest, ReadShowsEveryVersion) {
  KvHarness h("2");
  TimePoint t1 = h.clock().Now();
  ASSERT_TRUE(h.Write("data/k", Put({{"a", 1}})).has_value());
  h.clock().Advance(std::chrono::seconds(10));
  TimePoint t2 = h.clock().Now();
  ASSERT_TRUE(h.Write("data/k", Put({{"a", 2}})).has_value());
  ASSERT_TRUE(h.Write("delete/k", {{"versions", {1}}}).has_value());

  auto m = h.Read("metadata/k");
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  EXPECT_EQ(m->data["current_version"], 2);
  EXPECT_EQ(m->data["oldest_version"], 0);
  EXPECT_EQ(m->data["created_time"], FormatTime(t1));
  EXPECT_EQ(m->data["updated_time"], FormatTime(t2));
  EXPECT_EQ(m->data["max_versions"], 0);
  EXPECT_EQ(m->data["cas_required"], false);
  EXPECT_EQ(m->data["delete_version_after"], "0s");
  EXPECT_TRUE(m->data["custom_metadata"].is_null());
  EXPECT_EQ(m->data["versions"]["1"], Json({{"created_time", FormatTime(t1)},
                                            {"deletion_time", FormatTime(t2)},
                                            {"destroyed", false}}));
  EXPECT_EQ(m->data["versions"]["2"]["deletion_time"], "");
}

TEST(KvV2MetadataTest, WriteSettingsBeforeAnyVersion) {
  KvHarness h("2");
  auto w = h.Write("metadata/k", {{"max_versions", 4},
                                  {"cas_required", true},
                                  {"delete_version_after", "1h30m"},
                                  {"custom_metadata", {{"owner", "team-a"}, {"n", 7}}}});
  ASSERT_TRUE(w.has_value()) << w.error().ToString();
  auto m = h.Read("metadata/k");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->data["current_version"], 0);
  EXPECT_EQ(m->data["max_versions"], 4);
  EXPECT_EQ(m->data["cas_required"], true);
  EXPECT_EQ(m->data["delete_version_after"], "1h30m0s");
  EXPECT_EQ(m->data["custom_metadata"], Json({{"owner", "team-a"}, {"n", "7"}}));
  EXPECT_EQ(m->data["created_time"], FormatTime(h.clock().Now()));
  EXPECT_TRUE(m->data["versions"].empty());

  // custom_metadata comes back with every version read and write.
  auto v = h.Write("data/k", {{"data", {{"x", 1}}}, {"options", {{"cas", 0}}}});
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  EXPECT_EQ(v->data["custom_metadata"]["owner"], "team-a");
  EXPECT_EQ(h.Read("data/k")->data["metadata"]["custom_metadata"]["owner"], "team-a");

  // A write replaces custom_metadata and leaves fields it does not name alone.
  ASSERT_TRUE(h.Write("metadata/k", {{"custom_metadata", {{"only", "this"}}}}).has_value());
  m = h.Read("metadata/k");
  EXPECT_EQ(m->data["custom_metadata"], Json({{"only", "this"}}));
  EXPECT_EQ(m->data["max_versions"], 4);
}

TEST(KvV2MetadataTest, CasRequiredFalseWarnsWhenMountMandatesIt) {
  KvHarness h("2");
  ASSERT_TRUE(h.Write("config", {{"cas_required", true}}).has_value());
  auto w = h.Write("metadata/k", {{"cas_required", false}});
  ASSERT_TRUE(w.has_value());
  ASSERT_EQ(w->warnings.size(), 1u);
  EXPECT_NE(w->warnings[0].find("mandated by backend config"), std::string::npos);
}

TEST(KvV2MetadataTest, CustomMetadataLimits) {
  KvHarness h("2");
  Json many = Json::object();
  for (int i = 0; i < 65; ++i) many["k" + std::to_string(i)] = "v";
  auto r = h.Write("metadata/k", {{"custom_metadata", many}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error().message(),
            "1 error occurred:\n\t* custom_metadata validation failed: payload must contain at "
            "most 64 keys, provided 65\n\n");
  many.erase("k64");
  EXPECT_TRUE(h.Write("metadata/k", {{"custom_metadata", many}}).has_value());

  auto long_key = h.Write("metadata/k", {{"custom_metadata", {{std::string(129, 'a'), "v"}}}});
  ASSERT_FALSE(long_key.has_value());
  EXPECT_NE(long_key.error().message().find("but must be 0 < len(key) <= 128"), std::string::npos);
  auto long_value = h.Write("metadata/k", {{"custom_metadata", {{"k", std::string(513, 'v')}}}});
  ASSERT_FALSE(long_value.has_value());
  EXPECT_NE(long_value.error().message().find("is 513 but must be 0 < len(value) <= 512"),
            std::string::npos);
  auto unprintable = h.Write("metadata/k", {{"custom_metadata", {{"k", "a\x01"}}}});
  ASSERT_FALSE(unprintable.has_value());
  EXPECT_NE(unprintable.error().message().find("contains unprintable characters"),
            std::string::npos);
  EXPECT_TRUE(
      h.Write("metadata/k", {{"custom_metadata", {{std::string(128, 'a'), std::string(512, 'v')}}}})
          .has_value());
}

TEST(KvV2MetadataTest, PatchMergesSettingsAndCustomMetadata) {
  KvHarness h("2");
  auto missing = h.Do(Operation::kPatch, "metadata/k", {{"max_versions", 3}});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);

  ASSERT_TRUE(
      h.Write("metadata/k", {{"max_versions", 5}, {"custom_metadata", {{"a", "1"}, {"b", "2"}}}})
          .has_value());
  auto p = h.Do(Operation::kPatch, "metadata/k",
                {{"cas_required", true}, {"custom_metadata", {{"a", nullptr}, {"c", "3"}}}});
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  auto m = h.Read("metadata/k");
  EXPECT_EQ(m->data["max_versions"], 5);
  EXPECT_EQ(m->data["cas_required"], true);
  EXPECT_EQ(m->data["custom_metadata"], Json({{"b", "2"}, {"c", "3"}}));
}

TEST(KvV2MetadataTest, DeleteRemovesEveryVersionAndTheMetadata) {
  KvHarness h("2");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.Write("data/k", Put({{"i", i}})).has_value());
  ASSERT_TRUE(h.Write("data/k2", Put({{"i", 0}})).has_value());
  ASSERT_TRUE(h.Do(Operation::kDelete, "metadata/k").has_value());
  EXPECT_EQ(h.Read("metadata/k").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(h.Read("data/k").error().code(), StatusCode::kNotFound);
  EXPECT_TRUE(h.storage().List(VersionFolder("k"))->empty());
  EXPECT_FALSE(*h.Exists("data/k"));
  // Other keys are untouched, and the key starts again from version 1.
  EXPECT_EQ(h.Read("data/k2")->data["data"]["i"], 0);
  EXPECT_EQ(h.Write("data/k", Put({{"i", 9}}))->data["version"], 1);
  // Deleting an unknown key is fine.
  EXPECT_TRUE(h.Do(Operation::kDelete, "metadata/nope").has_value());
}

TEST(KvV2MetadataTest, ListKeysAndFolders) {
  KvHarness h("2");
  ASSERT_TRUE(h.Write("data/app/db", Put({{"a", 1}})).has_value());
  ASSERT_TRUE(h.Write("data/app/cache/x", Put({{"a", 1}})).has_value());
  ASSERT_TRUE(h.Write("data/top", Put({{"a", 1}})).has_value());
  auto root = h.Do(Operation::kList, "metadata/");
  ASSERT_TRUE(root.has_value()) << root.error().ToString();
  EXPECT_EQ(root->data["keys"], Json({"app/", "top"}));
  EXPECT_EQ(h.Do(Operation::kList, "metadata/app/")->data["keys"], Json({"cache/", "db"}));
  EXPECT_EQ(h.Do(Operation::kList, "metadata/app")->data["keys"], Json({"cache/", "db"}));
  EXPECT_TRUE(h.Do(Operation::kList, "metadata/none/")->data["keys"].empty());
}

}  // namespace
}  // namespace coffer::engines::kv
