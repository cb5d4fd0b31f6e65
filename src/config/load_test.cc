// Load: files, directories and Vault's merge rules, on a scratch directory.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "config/config.h"
#include "config/test_configs.h"

namespace coffer::config {
namespace {

namespace fs = std::filesystem;

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "coffer_config_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Write(const std::string& name, std::string_view text) {
    fs::path p = fs::path(dir_) / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string LoadError(const std::vector<std::string>& paths) {
    auto r = Load(paths);
    EXPECT_FALSE(r.has_value());
    return r ? "" : r.error().message();
  }

  std::string dir_;
};

TEST_F(LoadTest, SingleFile) {
  std::string f = Write("coffer.hcl", test_data::kProductionHcl);
  auto r = Load({f});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->listeners.size(), 2u);
  EXPECT_EQ(r->storage->source, f + ":1");
  EXPECT_EQ(r->files, std::vector<std::string>{f});
  EXPECT_TRUE(Validate(*r).ok());
}

TEST_F(LoadTest, DirectoryInNameOrderWithMerging) {
  Write("conf.d/10-storage.hcl",
        "storage \"raft\" {\n  path = \"/data\"\n}\nlog_level = \"warn\"\n");
  Write("conf.d/20-listener.json",
        R"({"listener": {"tcp": {"address": "0.0.0.0:8200", "tls_disable": true}}, "ui": true})");
  Write("conf.d/30-more.hcl",
        "listener \"tcp\" {\n  address = \"127.0.0.1:8300\"\n  tls_disable = true\n}\n"
        "log_level = \"debug\"\ncluster_addr = \"https://10.0.0.1:8201\"\n");
  Write("conf.d/README.md", "not a config");
  Write("conf.d/.hidden.hcl", "this is not valid HCL {");
  Write("conf.d/sub/ignored.hcl", "this is not valid HCL {");
  auto r = Load({dir_ + "/conf.d"});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_EQ(r->files.size(), 3u);
  EXPECT_EQ(fs::path(r->files[0]).filename(), "10-storage.hcl");
  EXPECT_EQ(fs::path(r->files[2]).filename(), "30-more.hcl");
  EXPECT_EQ(r->storage->type, "raft");
  ASSERT_EQ(r->listeners.size(), 2u);  // listeners accumulate
  EXPECT_EQ(r->listeners[0].address, "0.0.0.0:8200");
  EXPECT_EQ(r->listeners[1].address, "127.0.0.1:8300");
  EXPECT_EQ(r->listeners[1].source, dir_ + "/conf.d/30-more.hcl:1");
  EXPECT_EQ(r->log_level, "debug");  // later files override scalars they set
  EXPECT_TRUE(r->ui);                // and keep the ones they do not
  EXPECT_TRUE(Validate(*r).ok()) << Validate(*r).message();
}

TEST_F(LoadTest, SeveralPathsAndTelemetryReplacement) {
  std::string a = Write("a.hcl", "telemetry {\n  disable_hostname = true\n}\nseal \"awskms\" {}\n");
  std::string b = Write("b.hcl",
                        "telemetry {\n  statsd_address = \"s:8125\"\n}\n"
                        "seal \"transit\" {\n  disabled = true\n}\nui = false\n");
  auto r = Load({a, b});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->telemetry.statsd_address, "s:8125");
  EXPECT_FALSE(r->telemetry.disable_hostname);  // the whole block is replaced, as in Vault
  EXPECT_EQ(r->telemetry.source, b + ":1");
  ASSERT_EQ(r->seals.size(), 2u);  // seals accumulate
  EXPECT_EQ(r->seals[1].type, "transit");
}

TEST_F(LoadTest, StorageTwiceAcrossFilesNamesBothPlaces) {
  std::string a = Write("a.hcl", "storage \"raft\" {\n  path = \"/a\"\n}\n");
  std::string b = Write("b.hcl", "ui = true\n\nbackend \"file\" {\n  path = \"/b\"\n}\n");
  EXPECT_EQ(LoadError({a, b}), b + ":3: backend \"file\": storage is already configured at " + a +
                                   ":1 (only one is allowed)");
}

TEST_F(LoadTest, ErrorsInALaterFileNameThatFile) {
  std::string a = Write("a.hcl", "ui = true\n");
  std::string b = Write("b.hcl", "\nlistener \"tcp\" {\n  adress = \"x\"\n}\n");
  EXPECT_EQ(LoadError({a, b}), b + ":3: listener \"tcp\": unknown key \"adress\"");
}

TEST_F(LoadTest, MissingAndEmptyPaths) {
  std::string missing = dir_ + "/nope.hcl";
  auto r = Load({missing});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kIoError);
  EXPECT_EQ(r.error().message(), missing + ": cannot read: No such file or directory");
  fs::create_directories(dir_ + "/empty");
  Write("empty/notes.txt", "x");
  EXPECT_EQ(LoadError({dir_ + "/empty"}), dir_ + "/empty: no .hcl or .json files in directory");
  EXPECT_EQ(LoadError({}), "no configuration files given");
}

TEST_F(LoadTest, JsonFileByExtension) {
  std::string f = Write("c.json", test_data::kProductionJson);
  auto r = Load({f});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->listeners.at(1).source, f + ":15");
}

}  // namespace
}  // namespace coffer::config
