// K/V version 2: data/ reads and writes, versions, CAS, pruning, patch, subkeys,
// concurrency and the atomic batch behind every version write.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "engines/kv/kv_test_util.h"
#include "engines/kv/layout.h"

namespace coffer::engines::kv {
namespace {

using core::Operation;

Json Put(Json data) { return {{"data", std::move(data)}}; }
Json PutCas(Json data, int cas) { return {{"data", std::move(data)}, {"options", {{"cas", cas}}}}; }

TEST(KvV2Test, WriteReturnsVersionMetadataAndReadReturnsData) {
  KvHarness h("2");
  auto w = h.Write("data/app/db", Put({{"password", "s3cr3t"}}));
  ASSERT_TRUE(w.has_value()) << w.error().ToString();
  EXPECT_EQ(w->data["version"], 1);
  EXPECT_EQ(w->data["created_time"], FormatTime(h.clock().Now()));
  EXPECT_EQ(w->data["deletion_time"], "");
  EXPECT_EQ(w->data["destroyed"], false);
  EXPECT_TRUE(w->data["custom_metadata"].is_null());

  auto r = h.Read("data/app/db");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->http_status, 0);
  EXPECT_EQ(r->data["data"], Json({{"password", "s3cr3t"}}));
  EXPECT_EQ(r->data["metadata"]["version"], 1);
  EXPECT_EQ(r->data["metadata"]["created_time"], FormatTime(h.clock().Now()));
  EXPECT_FALSE(r->secret.has_value());
}

TEST(KvV2Test, VersionsAccumulateAndOldOnesStayReadable) {
  KvHarness h("2");
  for (int i = 1; i <= 3; ++i) {
    h.clock().Advance(std::chrono::seconds(1));
    auto w = h.Write("data/k", Put({{"i", i}}));
    ASSERT_TRUE(w.has_value());
    EXPECT_EQ(w->data["version"], i);
  }
  EXPECT_EQ(h.Read("data/k")->data["data"]["i"], 3);
  EXPECT_EQ(h.Read("data/k", {{"version", "1"}})->data["data"]["i"], 1);
  // The version may also come in the body (as http/ may fold query into data).
  EXPECT_EQ(h.Do(Operation::kRead, "data/k", {{"version", 2}})->data["data"]["i"], 2);
  auto missing = h.Read("data/k", {{"version", "9"}});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
}

TEST(KvV2Test, ReadOfUnknownKeyIs404WithoutBody) {
  KvHarness h("2");
  auto r = h.Read("data/nope");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.error().message(), "");
}

TEST(KvV2Test, WriteRequiresData) {
  KvHarness h("2");
  auto r = h.Write("data/k", {{"options", {{"cas", 0}}}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "no data provided");
}

TEST(KvV2Test, CheckAndSet) {
  KvHarness h("2");
  // cas=0: only when the key does not exist yet.
  ASSERT_TRUE(h.Write("data/k", PutCas({{"a", 1}}, 0)).has_value());
  auto again = h.Write("data/k", PutCas({{"a", 2}}, 0));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), StatusCode::kInvalidArgument);  // Vault answers 400
  EXPECT_EQ(again.error().message(), "check-and-set parameter did not match the current version");
  auto ok = h.Write("data/k", PutCas({{"a", 2}}, 1));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->data["version"], 2);
  auto stale = h.Write("data/k", PutCas({{"a", 3}}, 1));
  ASSERT_FALSE(stale.has_value());
  // A string cas is decoded like Vault's weak decoding.
  EXPECT_TRUE(h.Write("data/k", {{"data", {{"a", 3}}}, {"options", {{"cas", "2"}}}}).has_value());
  auto bad = h.Write("data/k", {{"data", {{"a", 3}}}, {"options", {{"cas", "x"}}}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "error parsing check-and-set parameter");
}

TEST(KvV2Test, CasRequiredByMountConfig) {
  KvHarness h("2");
  ASSERT_TRUE(h.Write("config", {{"cas_required", true}}).has_value());
  auto r = h.Write("data/k", Put({{"a", 1}}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "check-and-set parameter required for this call");
  EXPECT_TRUE(h.Write("data/k", PutCas({{"a", 1}}, 0)).has_value());
}

TEST(KvV2Test, CasRequiredByKeyMetadata) {
  KvHarness h("2");
  ASSERT_TRUE(h.Write("data/k", Put({{"a", 1}})).has_value());
  ASSERT_TRUE(h.Write("metadata/k", {{"cas_required", true}}).has_value());
  EXPECT_FALSE(h.Write("data/k", Put({{"a", 2}})).has_value());
  EXPECT_TRUE(h.Write("data/k", PutCas({{"a", 2}}, 1)).has_value());
  // Other keys are unaffected.
  EXPECT_TRUE(h.Write("data/other", Put({{"a", 1}})).has_value());
}

TEST(KvV2Test, DefaultMaxVersionsPrunesOldest) {
  KvHarness h("2");
  for (int i = 1; i <= 12; ++i) ASSERT_TRUE(h.Write("data/k", Put({{"i", i}})).has_value());
  auto meta = h.Read("metadata/k");
  ASSERT_TRUE(meta.has_value());
  EXPECT_EQ(meta->data["current_version"], 12);
  EXPECT_EQ(meta->data["oldest_version"], 3);
  EXPECT_EQ(meta->data["versions"].size(), 10u);
  EXPECT_FALSE(meta->data["versions"].contains("2"));
  EXPECT_FALSE(h.Read("data/k", {{"version", "2"}}).has_value());
  // The pruned version's data is gone from storage, not just from the map.
  EXPECT_FALSE(h.storage().Get(VersionKey("k", 2))->has_value());
  EXPECT_TRUE(h.storage().Get(VersionKey("k", 3))->has_value());
}

TEST(KvV2Test, MaxVersionsIsTheLargerOfMountAndKey) {
  KvHarness h("2");
  ASSERT_TRUE(h.Write("config", {{"max_versions", 2}}).has_value());
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(h.Write("data/a", Put({{"i", i}})).has_value());
  auto a = h.Read("metadata/a");
  EXPECT_EQ(a->data["oldest_version"], 3);
  EXPECT_EQ(a->data["versions"].size(), 2u);

  ASSERT_TRUE(h.Write("metadata/b", {{"max_versions", 3}}).has_value());
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(h.Write("data/b", Put({{"i", i}})).has_value());
  EXPECT_EQ(h.Read("metadata/b")->data["versions"].size(), 3u);

  // Lowering the key's limit below the mount's has no effect (Vault keeps the larger).
  ASSERT_TRUE(h.Write("metadata/b", {{"max_versions", 1}}).has_value());
  ASSERT_TRUE(h.Write("data/b", Put({{"i", 6}})).has_value());
  EXPECT_EQ(h.Read("metadata/b")->data["versions"].size(), 2u);
}

TEST(KvV2Test, SoftDeleteReadIs404WithMetadata) {
  KvHarness h("2");
  ASSERT_TRUE(h.Write("data/k", Put({{"a", 1}})).has_value());
  h.clock().Advance(std::chrono::seconds(5));
  ASSERT_TRUE(h.Do(Operation::kDelete, "data/k").has_value());
  auto r = h.Read("data/k");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->http_status, 404);
  EXPECT_TRUE(r->data["data"].is_null());
  EXPECT_EQ(r->data["metadata"]["version"], 1);
  EXPECT_EQ(r->data["metadata"]["deletion_time"], FormatTime(h.clock().Now()));
  EXPECT_EQ(r->data["metadata"]["destroyed"], false);
  // The key still exists (the metadata does).
  EXPECT_TRUE(*h.Exists("data/k"));
  // Deleting again changes nothing.
  h.clock().Advance(std::chrono::seconds(5));
  ASSERT_TRUE(h.Do(Operation::kDelete, "data/k").has_value());
  EXPECT_NE(h.Read("data/k")->data["metadata"]["deletion_time"], FormatTime(h.clock().Now()));
}

TEST(KvV2Test, DeleteUndeleteDestroyVersions) {
  KvHarness h("2");
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(h.Write("data/k", Put({{"i", i}})).has_value());

  ASSERT_TRUE(h.Write("delete/k", {{"versions", {1, 2}}}).has_value());
  EXPECT_EQ(h.Read("data/k", {{"version", "1"}})->http_status, 404);
  EXPECT_EQ(h.Read("data/k", {{"version", "2"}})->http_status, 404);
  EXPECT_EQ(h.Read("data/k")->data["data"]["i"], 3);

  ASSERT_TRUE(h.Write("undelete/k", {{"versions", "1"}}).has_value());
  auto v1 = h.Read("data/k", {{"version", "1"}});
  EXPECT_EQ(v1->http_status, 0);
  EXPECT_EQ(v1->data["data"]["i"], 1);
  EXPECT_EQ(v1->data["metadata"]["deletion_time"], "");

  ASSERT_TRUE(h.Write("destroy/k", {{"versions", Json::array({2})}}).has_value());
  auto v2 = h.Read("data/k", {{"version", "2"}});
  EXPECT_EQ(v2->http_status, 404);
  EXPECT_EQ(v2->data["metadata"]["destroyed"], true);
  EXPECT_FALSE(h.storage().Get(VersionKey("k", 2))->has_value());
  // A destroyed version cannot be undeleted.
  ASSERT_TRUE(h.Write("undelete/k", {{"versions", {2}}}).has_value());
  EXPECT_EQ(h.Read("data/k", {{"version", "2"}})->data["metadata"]["destroyed"], true);

  for (const char* verb : {"delete/k", "undelete/k"}) {
    auto none = h.Write(verb, Json::object());
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().message(), "No version number provided");
  }
  EXPECT_EQ(h.Write("destroy/k", Json::object()).error().message(), "no version number provided");
}

TEST(KvV2Test, DeleteVersionAfterSchedulesDeletion) {
  KvHarness h("2");
  ASSERT_TRUE(h.Write("config", {{"delete_version_after", "1h"}}).has_value());
  auto w = h.Write("data/k", Put({{"a", 1}}));
  ASSERT_TRUE(w.has_value());
  TimePoint expected = h.clock().Now() + std::chrono::hours(1);
  EXPECT_EQ(w->data["deletion_time"], FormatTime(expected));
  h.clock().Advance(std::chrono::minutes(59));
  EXPECT_EQ(h.Read("data/k")->http_status, 0);
  h.clock().Advance(std::chrono::minutes(1));
  EXPECT_EQ(h.Read("data/k")->http_status, 404);

  // A key's shorter setting wins; a negative mount setting disables the feature.
  ASSERT_TRUE(h.Write("metadata/k", {{"delete_version_after", "10m"}}).has_value());
  auto w2 = h.Write("data/k", Put({{"a", 2}}));
  EXPECT_EQ(w2->data["deletion_time"], FormatTime(h.clock().Now() + std::chrono::minutes(10)));
  ASSERT_TRUE(h.Write("config", {{"delete_version_after", "-1s"}}).has_value());
  EXPECT_EQ(h.Read("config")->data["delete_version_after"], "-1s");
  EXPECT_EQ(h.Write("data/k", Put({{"a", 3}}))->data["deletion_time"], "");
}

TEST(KvV2Test, PatchMergesIntoLatestVersion) {
  KvHarness h("2");
  auto missing = h.Do(Operation::kPatch, "data/k", Put({{"a", 1}}));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);

  ASSERT_TRUE(
      h.Write("data/k", Put({{"a", 1}, {"b", {{"c", 2}, {"d", 3}}}, {"gone", true}})).has_value());
  auto p = h.Do(Operation::kPatch, "data/k",
                Put({{"a", 10}, {"b", {{"d", nullptr}}}, {"gone", nullptr}, {"new", "x"}}));
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  EXPECT_EQ(p->data["version"], 2);
  EXPECT_EQ(h.Read("data/k")->data["data"], Json({{"a", 10}, {"b", {{"c", 2}}}, {"new", "x"}}));

  // CAS is honoured.
  EXPECT_FALSE(h.Do(Operation::kPatch, "data/k", PutCas({{"a", 0}}, 1)).has_value());
  EXPECT_TRUE(h.Do(Operation::kPatch, "data/k", PutCas({{"a", 0}}, 2)).has_value());

  // A deleted latest version cannot be patched: 404 with its metadata.
  ASSERT_TRUE(h.Do(Operation::kDelete, "data/k").has_value());
  auto deleted = h.Do(Operation::kPatch, "data/k", Put({{"a", 1}}));
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(deleted->http_status, 404);
  EXPECT_EQ(deleted->data["version"], 3);
}

TEST(KvV2Test, Subkeys) {
  KvHarness h("2");
  ASSERT_TRUE(h.Write("data/k", Put({{"foo", "abc"},
                                     {"bar", {{"baz", {{"deep", 1}}}, {"e", Json::object()}}}}))
                  .has_value());
  auto r = h.Read("subkeys/k");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->data["subkeys"],
            Json({{"foo", nullptr}, {"bar", {{"baz", {{"deep", nullptr}}}, {"e", nullptr}}}}));
  EXPECT_EQ(r->data["metadata"]["version"], 1);
  auto shallow = h.Read("subkeys/k", {{"depth", "1"}});
  EXPECT_EQ(shallow->data["subkeys"], Json({{"foo", nullptr}, {"bar", nullptr}}));
  auto two = h.Read("subkeys/k", {{"depth", "2"}});
  EXPECT_EQ(two->data["subkeys"],
            Json({{"foo", nullptr}, {"bar", {{"baz", nullptr}, {"e", nullptr}}}}));
  EXPECT_FALSE(h.Read("subkeys/k", {{"depth", "-1"}}).has_value());
  ASSERT_TRUE(h.Do(Operation::kDelete, "data/k").has_value());
  EXPECT_EQ(h.Read("subkeys/k")->http_status, 404);
}

TEST(KvV2Test, ConfigReadWrite) {
  KvHarness h("2");
  auto c = h.Read("config");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->data,
            Json({{"max_versions", 0}, {"cas_required", false}, {"delete_version_after", "0s"}}));
  ASSERT_TRUE(h.Write("config", {{"max_versions", 5}, {"delete_version_after", 90}}).has_value());
  c = h.Read("config");
  EXPECT_EQ(c->data["max_versions"], 5);
  EXPECT_EQ(c->data["delete_version_after"], "1m30s");
  EXPECT_FALSE(h.Write("config", {{"max_versions", -1}}).has_value());
}

TEST(KvV2Test, InvalidPathsAnswer404WithAWarning) {
  KvHarness h("2");
  auto r = h.Write("foo", {{"a", 1}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->http_status, 404);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("vault kv put"), std::string::npos);
  auto root = h.Read("data");
  EXPECT_EQ(root->http_status, 404);
  EXPECT_EQ(root->warnings[0],
            "Non-listing operations on the root of a K/V v2 mount are not supported.");
  // A folder is not a data path.
  EXPECT_EQ(h.Read("data/folder/")->http_status, 404);
}

TEST(KvV2Test, ExistenceCheckFollowsMetadata) {
  KvHarness h("2");
  EXPECT_FALSE(*h.Exists("data/k"));
  ASSERT_TRUE(h.Write("metadata/k", {{"max_versions", 3}}).has_value());
  EXPECT_TRUE(*h.Exists("data/k"));
  EXPECT_TRUE(*h.Exists("metadata/k"));
  // Metadata with no versions reads as not found.
  EXPECT_EQ(h.Read("data/k").error().code(), StatusCode::kNotFound);
}

TEST(KvV2Test, ConcurrentWritersLoseNoVersion) {
  KvHarness h("2");
  ASSERT_TRUE(h.Write("config", {{"max_versions", 1000}}).has_value());
  constexpr int kThreads = 8;
  constexpr int kWritesPerThread = 50;
  std::mutex mu;
  std::vector<int64_t> versions;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        auto w = h.Write("data/shared", Put({{"t", t}, {"i", i}}));
        if (!w) {
          ++failures;
          continue;
        }
        std::lock_guard<std::mutex> l(mu);
        versions.push_back(w->data["version"].get<int64_t>());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::sort(versions.begin(), versions.end());
  ASSERT_EQ(versions.size(), static_cast<size_t>(kThreads * kWritesPerThread));
  for (size_t i = 0; i < versions.size(); ++i) EXPECT_EQ(versions[i], static_cast<int64_t>(i + 1));
  auto meta = h.Read("metadata/shared");
  EXPECT_EQ(meta->data["current_version"], kThreads * kWritesPerThread);
  EXPECT_EQ(meta->data["versions"].size(), static_cast<size_t>(kThreads * kWritesPerThread));
  for (int v : {1, 137, 400}) {
    EXPECT_EQ(h.Read("data/shared", {{"version", std::to_string(v)}})->http_status, 0);
  }
}

// Records how the engine uses storage and can fail batches on demand.
class RecordingStorage final : public storage::Backend {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) override { return inner_.Get(key); }
  Status Put(std::string_view key, std::string_view value) override {
    ++puts;
    return inner_.Put(key, value);
  }
  Status Delete(std::string_view key) override {
    ++deletes;
    return inner_.Delete(key);
  }
  Result<std::vector<std::string>> List(std::string_view prefix) override {
    return inner_.List(prefix);
  }
  Status Batch(std::span<const storage::Op> ops) override {
    last_batch.assign(ops.begin(), ops.end());
    ++batches;
    if (fail_batches) return IoError("injected batch failure");
    return inner_.Batch(ops);
  }

  int puts = 0, deletes = 0, batches = 0;
  bool fail_batches = false;
  std::vector<storage::Op> last_batch;

 private:
  storage::InmemBackend inner_;
};

TEST(KvV2Test, VersionAndMetadataCommitInOneBatch) {
  RecordingStorage storage;
  KvHarness h("2", &storage);
  ASSERT_TRUE(h.Write("config", {{"max_versions", 1}}).has_value());
  storage.puts = 0;
  ASSERT_TRUE(h.Write("data/k", Put({{"a", 1}})).has_value());
  EXPECT_EQ(storage.puts, 0);
  EXPECT_EQ(storage.batches, 1);
  ASSERT_EQ(storage.last_batch.size(), 2u);
  EXPECT_EQ(storage.last_batch[0].key, VersionKey("k", 1));
  EXPECT_EQ(storage.last_batch[1].key, MetadataKey("k"));

  // The second write prunes version 1 in the same batch.
  ASSERT_TRUE(h.Write("data/k", Put({{"a", 2}})).has_value());
  EXPECT_EQ(storage.puts, 0);
  EXPECT_EQ(storage.deletes, 0);
  ASSERT_EQ(storage.last_batch.size(), 3u);
  EXPECT_EQ(storage.last_batch[1].kind, storage::Op::Kind::kDelete);
  EXPECT_EQ(storage.last_batch[1].key, VersionKey("k", 1));

  // A failed batch leaves no trace: metadata and data are unchanged.
  storage.fail_batches = true;
  auto failed = h.Write("data/k", Put({{"a", 3}}));
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), StatusCode::kIoError);
  storage.fail_batches = false;
  auto r = h.Read("data/k");
  EXPECT_EQ(r->data["metadata"]["version"], 2);
  EXPECT_EQ(r->data["data"]["a"], 2);
  EXPECT_FALSE(storage.Get(VersionKey("k", 3))->has_value());
  EXPECT_EQ(h.Write("data/k", Put({{"a", 3}}))->data["version"], 3);
}

}  // namespace
}  // namespace coffer::engines::kv
