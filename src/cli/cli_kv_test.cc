// End-to-end tests of kv and the generic read/write/list/delete commands against a
// fake Vault with a KV v2 mount at secret/ and a KV v1 mount at kv1/.

#include <fstream>

#include "cli/cli_test_util.h"

namespace coffer::cli {
namespace {

class CliKvTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    setenv("COFFER_TOKEN", "hvs.root", 1);
  }
  void TearDown() override {
    unsetenv("COFFER_TOKEN");
    CliTest::TearDown();
  }
};

TEST_F(CliKvTest, PutAndGetV2) {
  ASSERT_EQ(Run({"kv", "put", "secret/foo", "a=b", "passcode=xyz"}), 0) << err_;
  auto put = vault_.Last("PUT", "/v1/secret/data/foo");
  ASSERT_TRUE(put.has_value());
  EXPECT_EQ(Json::parse(put->body), (Json{{"data", {{"a", "b"}, {"passcode", "xyz"}}}}));
  EXPECT_EQ(put->Header("x-vault-token"), "hvs.root");
  EXPECT_EQ(put->Header("x-vault-request"), "true");
  EXPECT_EQ(out_,
            "= Secret Path =\n"
            "secret/data/foo\n"
            "\n"
            "======= Metadata =======\n"
            "Key                Value\n"
            "---                -----\n"
            "created_time       2024-01-01T00:00:00Z\n"
            "custom_metadata    <nil>\n"
            "deletion_time      n/a\n"
            "destroyed          false\n"
            "version            1\n");

  ASSERT_EQ(Run({"kv", "get", "secret/foo"}), 0) << err_;
  EXPECT_EQ(out_,
            "= Secret Path =\n"
            "secret/data/foo\n"
            "\n"
            "======= Metadata =======\n"
            "Key                Value\n"
            "---                -----\n"
            "created_time       2024-01-01T00:00:00Z\n"
            "custom_metadata    <nil>\n"
            "deletion_time      n/a\n"
            "destroyed          false\n"
            "version            1\n"
            "\n"
            "====== Data ======\n"
            "Key         Value\n"
            "---         -----\n"
            "a           b\n"
            "passcode    xyz\n");

  ASSERT_EQ(Run({"kv", "get", "-field=passcode", "secret/foo"}), 0);
  EXPECT_EQ(out_, "xyz");  // no trailing newline when stdout is not a terminal
  ASSERT_EQ(Run({"kv", "get", "-format=json", "secret/foo"}), 0);
  EXPECT_EQ(OutJson()["data"]["data"]["a"], "b");
  ASSERT_EQ(Run({"kv", "get", "-format=yaml", "secret/foo"}), 0);
  EXPECT_NE(out_.find("data:\n  data:\n    a: b\n"), std::string::npos) << out_;
}

TEST_F(CliKvTest, MountFlagVersionAndCas) {
  ASSERT_EQ(Run({"kv", "put", "-mount=secret", "-cas=0", "app", "k=v"}), 0) << err_;
  EXPECT_EQ(Json::parse(vault_.Last("PUT", "/v1/secret/data/app")->body),
            (Json{{"data", {{"k", "v"}}}, {"options", {{"cas", 0}}}}));
  ASSERT_EQ(Run({"kv", "get", "-mount=secret", "-version=1", "app"}), 0) << err_;
  EXPECT_EQ(vault_.Last("GET", "/v1/secret/data/app")->query, "version=1");
  EXPECT_EQ(Run({"kv", "get", "secret/missing"}), 2);
  EXPECT_EQ(err_, "No value found at secret/data/missing\n");
}

TEST_F(CliKvTest, V1MountsUsePlainPaths) {
  ASSERT_EQ(Run({"kv", "put", "kv1/foo", "a=b"}), 0) << err_;
  EXPECT_EQ(Json::parse(vault_.Last("PUT", "/v1/kv1/foo")->body), (Json{{"a", "b"}}));
  EXPECT_EQ(out_, "Success! Data written to: kv1/foo\n");
  ASSERT_EQ(Run({"kv", "get", "kv1/foo"}), 0);
  EXPECT_EQ(out_,
            "== Data ==\n"
            "Key    Value\n"
            "---    -----\n"
            "a      b\n");
  ASSERT_EQ(Run({"read", "kv1/foo"}), 0);  // the generic read shows the lease as Vault does
  EXPECT_EQ(out_,
            "Key                 Value\n"
            "---                 -----\n"
            "refresh_interval    768h\n"
            "a                   b\n");
  EXPECT_EQ(Run({"kv", "undelete", "-versions=1", "kv1/foo"}), 1);
  EXPECT_EQ(err_, "Undelete not supported on KV Version 1\n");
  EXPECT_EQ(Run({"kv", "patch", "kv1/foo", "a=c"}), 2);
}

TEST_F(CliKvTest, ListDeleteUndeleteDestroyMetadata) {
  ASSERT_EQ(Run({"kv", "put", "secret/b", "x=1"}), 0);
  ASSERT_EQ(Run({"kv", "put", "secret/a", "x=1"}), 0);
  ASSERT_EQ(Run({"kv", "list", "secret"}), 0) << err_;
  EXPECT_EQ(out_, "Keys\n----\na\nb\n");
  EXPECT_EQ(vault_.Last("LIST", "/v1/secret/metadata/")->method, "LIST");
  ASSERT_EQ(Run({"kv", "list", "-format=json", "secret/"}), 0);
  EXPECT_EQ(OutJson(), Json::array({"a", "b"}));

  ASSERT_EQ(Run({"kv", "delete", "secret/a"}), 0);
  EXPECT_TRUE(vault_.Last("DELETE", "/v1/secret/data/a").has_value());
  EXPECT_EQ(out_, "Success! Data deleted (if it existed) at: secret/data/a\n");
  ASSERT_EQ(Run({"kv", "delete", "-versions=1,2", "secret/a"}), 0);
  EXPECT_EQ(Json::parse(vault_.Last("PUT", "/v1/secret/delete/a")->body),
            (Json{{"versions", {1, 2}}}));
  ASSERT_EQ(Run({"kv", "undelete", "-versions=2", "secret/a"}), 0);
  EXPECT_TRUE(vault_.Last("POST", "/v1/secret/undelete/a").has_value());
  EXPECT_EQ(Run({"kv", "destroy", "secret/a"}), 1);  // -versions is required
  ASSERT_EQ(Run({"kv", "destroy", "-versions=1", "secret/a"}), 0);
  EXPECT_EQ(Json::parse(vault_.Last("PUT", "/v1/secret/destroy/a")->body),
            (Json{{"versions", {1}}}));

  ASSERT_EQ(
      Run({"kv", "metadata", "put", "-max-versions=5", "-custom-metadata=team=a", "secret/b"}), 0);
  EXPECT_EQ(Json::parse(vault_.Last("POST", "/v1/secret/metadata/b")->body),
            (Json{{"max_versions", 5}, {"custom_metadata", {{"team", "a"}}}}));
  ASSERT_EQ(Run({"kv", "metadata", "get", "secret/b"}), 0) << err_;
  EXPECT_NE(out_.find("= Metadata Path =\nsecret/metadata/b\n\n======= Metadata =======\n"),
            std::string::npos)
      << out_;
  EXPECT_NE(out_.find("\n===== Version 1 =====\nKey             Value\n"), std::string::npos)
      << out_;
  ASSERT_EQ(Run({"kv", "metadata", "delete", "secret/b"}), 0);
  EXPECT_TRUE(vault_.Last("DELETE", "/v1/secret/metadata/b").has_value());
}

TEST_F(CliKvTest, PatchSendsMergePatch) {
  ASSERT_EQ(Run({"kv", "put", "secret/p", "a=1", "b=2"}), 0);
  ASSERT_EQ(Run({"kv", "patch", "secret/p", "b=3"}), 0) << err_;
  auto req = vault_.Last("PATCH", "/v1/secret/data/p");
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(req->Header("content-type"), "application/merge-patch+json");
  EXPECT_EQ(Json::parse(req->body), (Json{{"data", {{"b", "3"}}}}));
  ASSERT_EQ(Run({"kv", "patch", "-method=rw", "secret/p", "c=4"}), 0) << err_;
  Json written = Json::parse(vault_.Last("PUT", "/v1/secret/data/p")->body);
  EXPECT_EQ(written["data"], (Json{{"a", "1"}, {"b", "2"}, {"c", "4"}}));
  EXPECT_EQ(written["options"]["cas"], 1);
}

TEST_F(CliKvTest, GenericReadWriteListDelete) {
  std::string file = home_ + "/cert.pem";
  std::ofstream(file) << "PEM";
  ASSERT_EQ(Run({"write", "secret/data/g", "@" + file}), 1);  // not a JSON object
  ASSERT_EQ(Run({"write", "kv1/g", "cert=@" + file, "tag=a", "tag=b"}), 0) << err_;
  EXPECT_EQ(Json::parse(vault_.Last("PUT", "/v1/kv1/g")->body),
            (Json{{"cert", "PEM"}, {"tag", {"a", "b"}}}));
  EXPECT_EQ(out_, "Success! Data written to: kv1/g\n");
  ASSERT_EQ(Run({"write", "kv1/h", "-"}, R"({"n": 1})"), 0);
  EXPECT_EQ(Json::parse(vault_.Last("PUT", "/v1/kv1/h")->body), (Json{{"n", 1}}));

  ASSERT_EQ(Run({"read", "kv1/g"}), 0);
  EXPECT_NE(out_.find("tag                 [a b]\n"), std::string::npos) << out_;
  ASSERT_EQ(Run({"read", "-field=cert", "kv1/g"}), 0);
  EXPECT_EQ(out_, "PEM");
  ASSERT_EQ(Run({"read", "-field=nope", "kv1/g"}), 1);
  EXPECT_EQ(err_, "Field \"nope\" not present in secret\n");
  ASSERT_EQ(Run({"read", "kv1/none"}), 2);
  EXPECT_EQ(err_, "No value found at kv1/none\n");
  ASSERT_EQ(Run({"read", "secret/data/x", "version=2"}), 2);
  EXPECT_EQ(vault_.Last("GET", "/v1/secret/data/x")->query, "version=2");

  ASSERT_EQ(Run({"read", "denied/x"}), 2);
  EXPECT_EQ(err_, "Error reading denied/x: Error making API request.\n\nURL: GET " +
                      vault_.address() +
                      "/v1/denied/x\nCode: 403. Errors:\n\n* permission denied\n");

  ASSERT_EQ(Run({"kv", "put", "secret/l", "x=1"}), 0);
  ASSERT_EQ(Run({"list", "secret/metadata"}), 0);
  EXPECT_EQ(out_, "Keys\n----\nl\n");
  ASSERT_EQ(Run({"list", "kv1/empty"}), 2);
  EXPECT_EQ(err_, "No value found at kv1/empty/\n");
  ASSERT_EQ(Run({"delete", "kv1/g"}), 0);
  EXPECT_EQ(out_, "Success! Data deleted (if it existed) at: kv1/g\n");
}

TEST_F(CliKvTest, WrapTtlAndFormatFromEnvironment) {
  ASSERT_EQ(Run({"kv", "put", "secret/w", "x=1"}), 0);
  ASSERT_EQ(Run({"read", "-wrap-ttl=5m", "secret/data/w"}), 0) << err_;
  EXPECT_EQ(vault_.Last("GET", "/v1/secret/data/w")->Header("x-vault-wrap-ttl"), "5m0s");
  EXPECT_NE(out_.find("wrapping_token:                  hvs.wrapped\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("wrapping_token_ttl:              5m\n"), std::string::npos);
  // The KV preflight is never wrapped.
  ASSERT_EQ(Run({"kv", "get", "-wrap-ttl=1m", "secret/w"}), 0);
  EXPECT_EQ(vault_.Last("GET", "/v1/sys/internal/ui/mounts/secret/w")->Header("x-vault-wrap-ttl"),
            "");
  EXPECT_EQ(vault_.Last("GET", "/v1/secret/data/w")->Header("x-vault-wrap-ttl"), "1m0s");

  setenv("VAULT_FORMAT", "json", 1);
  ASSERT_EQ(Run({"read", "secret/data/w"}), 0);
  unsetenv("VAULT_FORMAT");
  EXPECT_EQ(OutJson()["data"]["data"]["x"], "1");
}

}  // namespace
}  // namespace coffer::cli
