#include "cli/kv_args.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace coffer::cli {
namespace {

class KvArgsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/coffer_kv_args_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string WriteFile(const std::string& name, const std::string& contents) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p) << contents;
    return p;
  }
  std::string dir_;
};

TEST_F(KvArgsTest, KeyValuePairs) {
  std::istringstream in;
  Result<Json> d = ParseArgsData(&in, {"a=b", "c=d=e", "empty="});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, (Json{{"a", "b"}, {"c", "d=e"}, {"empty", ""}}));
}

TEST_F(KvArgsTest, RepeatedKeysBecomeLists) {
  std::istringstream in;
  Result<Json> d = ParseArgsData(&in, {"p=a", "p=b", "p=c", "q=1"});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ((*d)["p"], Json::array({"a", "b", "c"}));
  EXPECT_EQ((*d)["q"], "1");
}

TEST_F(KvArgsTest, ValueFromFileAndEscapedAt) {
  std::string p = WriteFile("cert.pem", "-----BEGIN-----\nxyz\n");
  std::istringstream in;
  Result<Json> d = ParseArgsData(&in, {"cert=@" + p, "literal=\\@home"});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ((*d)["cert"], "-----BEGIN-----\nxyz\n");
  EXPECT_EQ((*d)["literal"], "@home");
  EXPECT_FALSE(ParseArgsData(&in, {"x=@/nonexistent/file"}).has_value());
}

TEST_F(KvArgsTest, WholeFileAsJsonObject) {
  std::string p = WriteFile("data.json", R"({"n": 3, "nested": {"a": true}})");
  std::istringstream in;
  Result<Json> d = ParseArgsData(&in, {"@" + p, "extra=1"});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ((*d)["n"], 3);
  EXPECT_EQ((*d)["nested"]["a"], true);
  EXPECT_EQ((*d)["extra"], "1");
}

TEST_F(KvArgsTest, StdinJsonOrPairs) {
  std::istringstream json_in(R"({"password": "s3cr3t", "n": 1})");
  Result<Json> d = ParseArgsData(&json_in, {"-"});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, (Json{{"password", "s3cr3t"}, {"n", 1}}));

  std::istringstream kv_in("a=1\nb=2 b=3\n");
  Result<Json> e = ParseArgsData(&kv_in, {"-"});
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ((*e)["a"], "1");
  EXPECT_EQ((*e)["b"], Json::array({"2", "3"}));

  std::istringstream bad("not json");
  EXPECT_FALSE(ParseArgsData(&bad, {"-"}).has_value());
}

TEST_F(KvArgsTest, ValueFromStdinOnlyOnce) {
  std::istringstream in("raw value\n");
  Result<Json> d = ParseArgsData(&in, {"v=-"});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ((*d)["v"], "raw value\n");
  std::istringstream in2("x");
  Result<Json> twice = ParseArgsData(&in2, {"a=-", "b=-"});
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().message(), "stdin already consumed");
}

TEST_F(KvArgsTest, MissingEqualsIsAnError) {
  std::istringstream in;
  Result<Json> d = ParseArgsData(&in, {"novalue"});
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().message(), "format must be key=value");
}

TEST_F(KvArgsTest, QueryParamsExpandLists) {
  std::istringstream in;
  Result<api::QueryParams> q = ParseArgsQuery(&in, {"version=2", "k=a", "k=b"});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(*q, (api::QueryParams{{"k", "a"}, {"k", "b"}, {"version", "2"}}));
}

}  // namespace
}  // namespace coffer::cli
