#include "hcl/hcl.h"

#include <gtest/gtest.h>

#include <random>

namespace coffer::hcl {
namespace {

Document MustParse(std::string_view text) {
  auto r = Parse(text, "test.hcl");
  EXPECT_TRUE(r.has_value()) << r.error().message();
  return r ? *r : Document{};
}

std::string ParseError(std::string_view text) {
  auto r = Parse(text, "test.hcl");
  EXPECT_FALSE(r.has_value()) << r->value.dump();
  return r ? "" : r.error().message();
}

TEST(HclTest, EmptyInputIsAnEmptyObject) {
  EXPECT_EQ(MustParse("").value, Json::object());
  EXPECT_EQ(MustParse("  # only a comment\n").value, Json::object());
}

TEST(HclTest, DocumentedMapping) {
  EXPECT_EQ(MustParse("a = 1").value, Json::parse(R"({"a": 1})"));
  EXPECT_EQ(MustParse(R"(block "l1" "l2" { b = 2 })").value,
            Json::parse(R"({"block": [{"l1": {"l2": {"b": 2}}}]})"));
  EXPECT_EQ(MustParse("block { b = 2 }").value, Json::parse(R"({"block": [{"b": 2}]})"));
}

TEST(HclTest, ScalarTypes) {
  Document d = MustParse(R"(
    s = "text"
    i = -12
    h = 0xff
    f = 3.5
    t = true
    n = false
  )");
  EXPECT_EQ(d.value, Json::parse(R"({"s":"text","i":-12,"h":255,"f":3.5,"t":true,"n":false})"));
  EXPECT_TRUE(d.value["i"].is_number_integer());
  EXPECT_TRUE(d.value["f"].is_number_float());
}

TEST(HclTest, RepeatedBlocksAppendInOrder) {
  Document d = MustParse(R"(
listener "tcp" { address = "a" }
listener "tcp" { address = "b" }
listener "unix" { address = "c" }
)");
  EXPECT_EQ(d.value, Json::parse(R"({"listener": [{"tcp": {"address": "a"}},
                                                  {"tcp": {"address": "b"}},
                                                  {"unix": {"address": "c"}}]})"));
}

TEST(HclTest, BareIdentifierLabelsAndQuotedKeys) {
  Document d = MustParse("listener tcp { \"tls-disable\" = true }\nfoo: \"bar\"");
  EXPECT_EQ(d.value,
            Json::parse(R"({"listener": [{"tcp": {"tls-disable": true}}], "foo": "bar"})"));
}

TEST(HclTest, ListsTrailingCommasMultilineAndNested) {
  Document d = MustParse(R"(
a = []
b = ["x", "y",]
c = [
  1,
  2,  # comment between items
  3,
]
d = [[1, 2], ["z"], []]
e = [{ name = "n1" }, { name = "n2", tags = ["t"] }]
)");
  EXPECT_EQ(d.value, Json::parse(R"({"a": [], "b": ["x", "y"], "c": [1, 2, 3],
                                     "d": [[1, 2], ["z"], []],
                                     "e": [{"name": "n1"}, {"name": "n2", "tags": ["t"]}]})"));
}

TEST(HclTest, NestedObjects) {
  Document d = MustParse(R"(
a = { b = 1, c = { d = "e" } }
f = {}
g = {
  "quoted/key" = ["v"]
  inner "lbl" { x = 1 }
}
)");
  EXPECT_EQ(d.value, Json::parse(R"({"a": {"b": 1, "c": {"d": "e"}}, "f": {},
                                     "g": {"quoted/key": ["v"], "inner": [{"lbl": {"x": 1}}]}})"));
}

TEST(HclTest, ItemsMayShareALineOrBeCommaSeparated) {
  Document d =
      MustParse(R"(telemetry { prometheus_retention_time = "30s"  disable_hostname = true })");
  EXPECT_EQ(d.value, Json::parse(R"({"telemetry": [{"prometheus_retention_time": "30s",
                                                    "disable_hostname": true}]})"));
  EXPECT_EQ(MustParse("a = 1, b = 2").value, Json::parse(R"({"a": 1, "b": 2})"));
}

TEST(HclTest, Heredocs) {
  Document d = MustParse(R"(
policy = <<EOF
path "secret/*" {
  capabilities = ["read"]
}
EOF
indented = <<-EOT
    line1
      line2
    EOT
after = 1
)");
  EXPECT_EQ(d.value["policy"], "path \"secret/*\" {\n  capabilities = [\"read\"]\n}\n");
  EXPECT_EQ(d.value["indented"], "line1\n  line2\n");
  EXPECT_EQ(d.value["after"], 1);
  EXPECT_EQ(d.lines.at("/after"), 11);
}

// A production-style Vault server configuration (raft, TLS listeners, KMS seal).
constexpr char kServerConfig[] = R"(# Coffer production node
ui            = true
cluster_addr  = "https://10.0.1.10:8201"
api_addr      = "https://10.0.1.10:8200"
disable_mlock = true

storage "raft" {
  path    = "/opt/vault/data"
  node_id = "node-a"

  retry_join {
    leader_api_addr     = "https://10.0.1.11:8200"
    leader_ca_cert_file = "/opt/vault/tls/ca.pem"
  }
  retry_join {
    auto_join        = "provider=aws region=eu-west-1 tag_key=vault tag_value=prod"
    auto_join_scheme = "https"
  }
}

listener "tcp" {
  address            = "0.0.0.0:8200"
  cluster_address    = "0.0.0.0:8201"
  tls_cert_file      = "/opt/vault/tls/vault.crt"
  tls_key_file       = "/opt/vault/tls/vault.key"
  tls_cipher_suites  = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
  x_forwarded_for_authorized_addrs = ["10.0.0.0/16"]
  telemetry {
    unauthenticated_metrics_access = true
  }
}

seal "awskms" {
  region     = "eu-west-1"
  kms_key_id = "alias/vault-unseal"
}

telemetry {
  prometheus_retention_time = "24h"
  disable_hostname          = true
}

default_lease_ttl = "768h"
max_lease_ttl     = 2764800
)";

TEST(HclTest, VaultServerConfig) {
  Document d = MustParse(kServerConfig);
  const Json& v = d.value;
  EXPECT_EQ(v["ui"], true);
  EXPECT_EQ(v["api_addr"], "https://10.0.1.10:8200");
  const Json& raft = v["storage"][0]["raft"];
  EXPECT_EQ(raft["path"], "/opt/vault/data");
  ASSERT_EQ(raft["retry_join"].size(), 2u);
  EXPECT_EQ(raft["retry_join"][1]["auto_join_scheme"], "https");
  const Json& tcp = v["listener"][0]["tcp"];
  EXPECT_EQ(tcp["x_forwarded_for_authorized_addrs"], Json::array({"10.0.0.0/16"}));
  EXPECT_EQ(tcp["telemetry"][0]["unauthenticated_metrics_access"], true);
  EXPECT_EQ(v["seal"][0]["awskms"]["kms_key_id"], "alias/vault-unseal");
  EXPECT_EQ(v["telemetry"][0]["disable_hostname"], true);
  EXPECT_EQ(v["max_lease_ttl"], 2764800);

  EXPECT_EQ(d.LineOf("/ui"), 2);
  EXPECT_EQ(d.LineOf("/storage"), 7);
  EXPECT_EQ(d.LineOf("/storage/0/raft"), 7);
  EXPECT_EQ(d.LineOf("/storage/0/raft/node_id"), 9);
  EXPECT_EQ(d.LineOf("/storage/0/raft/retry_join/1"), 15);
  EXPECT_EQ(d.LineOf("/storage/0/raft/retry_join/1/auto_join_scheme"), 17);
  EXPECT_EQ(d.LineOf("/listener/0/tcp/tls_key_file"), 25);
  EXPECT_EQ(d.LineOf("/listener/0/tcp/telemetry/0/unauthenticated_metrics_access"), 29);
  EXPECT_EQ(d.LineOf("/max_lease_ttl"), 44);
  // Unknown pointers fall back to the closest recorded ancestor.
  EXPECT_EQ(d.LineOf("/seal/0/awskms/nope"), 33);
  EXPECT_EQ(d.LineOf("/nope"), 0);
}

// A Vault ACL policy with parameter constraints and wrapping TTLs.
constexpr char kPolicy[] = R"(# Application policy
path "secret/data/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}

path "secret/data/restricted" {
  capabilities = ["create", "update"]
  allowed_parameters = {
    "foo" = []
    "bar" = ["zip", "zap"]
  }
  denied_parameters = {
    "baz" = ["*"]
  }
  required_parameters = ["bar"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "90s"
}

path "auth/token/lookup-self" { capabilities = ["read"] }
path "sys/mounts/*" { capabilities = ["deny"] }
path "identity/entity/id/{{identity.entity.id}}" { capabilities = ["read"] }
)";

TEST(HclTest, VaultAclPolicy) {
  Document d = MustParse(kPolicy);
  const Json& paths = d.value["path"];
  ASSERT_EQ(paths.size(), 5u);
  EXPECT_EQ(paths[0]["secret/data/*"]["capabilities"].size(), 6u);
  const Json& r = paths[1]["secret/data/restricted"];
  EXPECT_EQ(r["allowed_parameters"], Json::parse(R"({"foo": [], "bar": ["zip", "zap"]})"));
  EXPECT_EQ(r["denied_parameters"]["baz"], Json::array({"*"}));
  EXPECT_EQ(r["required_parameters"], Json::array({"bar"}));
  EXPECT_EQ(r["max_wrapping_ttl"], "90s");
  EXPECT_TRUE(paths[4].contains("identity/entity/id/{{identity.entity.id}}"));

  // Label tokens are escaped in pointers.
  EXPECT_EQ(d.LineOf("/path/1/secret~1data~1restricted"), 6);
  EXPECT_EQ(d.LineOf("/path/1/secret~1data~1restricted/allowed_parameters/bar"), 10);
  EXPECT_EQ(d.LineOf("/path/1/secret~1data~1restricted/allowed_parameters/bar/1"), 10);
  EXPECT_EQ(d.LineOf("/path/3/sys~1mounts~1*/capabilities"), 21);
}

TEST(HclTest, LinesOfListElements) {
  Document d = MustParse("a = [\n  \"x\",\n  \"y\",\n]\n");
  EXPECT_EQ(d.LineOf("/a"), 1);
  EXPECT_EQ(d.LineOf("/a/0"), 2);
  EXPECT_EQ(d.LineOf("/a/1"), 3);
}

TEST(HclTest, JoinPointerEscapes) {
  EXPECT_EQ(JoinPointer("", "a"), "/a");
  EXPECT_EQ(JoinPointer("/p", "secret/a~b"), "/p/secret~1a~0b");
  EXPECT_EQ(JoinPointer("/p", size_t{3}), "/p/3");
}

TEST(HclTest, RepeatedAttributeIsAnError) {
  EXPECT_EQ(ParseError("a = 1\nb = 2\na = 3\n"),
            "test.hcl:3:1: duplicate attribute \"a\" (first set on line 1)");
  EXPECT_EQ(ParseError("x {\n  k = 1\n  k = 1\n}\n"),
            "test.hcl:3:3: duplicate attribute \"k\" (first set on line 2)");
  // The same key in two different blocks is fine.
  MustParse("x { k = 1 }\nx { k = 2 }\n");
}

TEST(HclTest, AttributeAndBlockWithTheSameNameConflict) {
  EXPECT_EQ(ParseError("a = 1\na { }\n"),
            "test.hcl:2:1: \"a\" is already defined as an attribute on line 1");
  EXPECT_EQ(ParseError("a { }\na = 1\n"),
            "test.hcl:2:1: \"a\" is already defined as a block on line 1");
}

TEST(HclTest, UnterminatedConstructs) {
  EXPECT_EQ(ParseError("listener \"tcp\" {\n  address = \"x\"\n"),
            "test.hcl:3:1: unexpected end of input: '{' opened on line 1 is not closed");
  EXPECT_EQ(ParseError("a = {\n b = 1"),
            "test.hcl:2:7: unexpected end of input: '{' opened on line 1 is not closed");
  EXPECT_EQ(ParseError("a = [1,\n2"),
            "test.hcl:2:2: unexpected end of input: '[' opened on line 1 is not closed");
  EXPECT_EQ(ParseError("a = [\n"),
            "test.hcl:2:1: unexpected end of input: '[' opened on line 1 is not closed");
  EXPECT_EQ(ParseError("path \"x\" {\n  capabilities = [\"read]\n}\n"),
            "test.hcl:2:19: unterminated string (missing closing '\"' on this line)");
}

TEST(HclTest, SyntaxErrorsHaveLineAndColumn) {
  EXPECT_EQ(ParseError("}"), "test.hcl:1:1: unexpected '}' (no block is open)");
  EXPECT_EQ(ParseError("a = 1\n\nb ="), "test.hcl:3:4: expected a value, got end of input");
  EXPECT_EQ(ParseError("a = bare"),
            "test.hcl:1:5: expected a value, got identifier \"bare\" (strings must be quoted)");
  EXPECT_EQ(ParseError("a = [1 2]"), "test.hcl:1:8: expected ',' or ']' in list, got number 2");
  EXPECT_EQ(ParseError("a = [,]"), "test.hcl:1:6: expected a value, got ','");
  EXPECT_EQ(ParseError("a\n"), "test.hcl:2:1: expected '=' or '{' after \"a\", got end of input");
  EXPECT_EQ(ParseError("a \"b\" = 1"),
            "test.hcl:1:7: expected '{' after the labels of block \"a\", got '='");
  EXPECT_EQ(ParseError("= 1"), "test.hcl:1:1: expected an attribute name or block type, got '='");
  EXPECT_EQ(ParseError("5 = 1"),
            "test.hcl:1:1: expected an attribute name or block type, got number 5");
  EXPECT_EQ(ParseError("a = 1 ]"),
            "test.hcl:1:7: expected an attribute name or block type, got ']'");
}

TEST(HclTest, LexerErrorsSurfaceThroughParse) {
  EXPECT_EQ(ParseError("a = 1\nb = \"\\z\"\n"), "test.hcl:2:6: invalid escape sequence \\z");
}

TEST(HclTest, DeepNestingIsRejected) {
  std::string deep = "a = " + std::string(200, '[') + std::string(200, ']');
  EXPECT_EQ(ParseError(deep), "test.hcl:1:" + std::to_string(5 + kMaxDepth) + ": nesting too deep");
  std::string blocks;
  for (int i = 0; i < 100; ++i) blocks += "b {";
  blocks += std::string(100, '}');
  EXPECT_NE(ParseError(blocks).find("nesting too deep"), std::string::npos);
  std::string ok = "a = " + std::string(10, '[') + std::string(10, ']');
  MustParse(ok);
}

TEST(HclTest, DefaultFilenameInErrors) {
  auto r = Parse("a = ");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "<input>:1:5: expected a value, got end of input");
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
}

// Random edits of real inputs: parsing must never crash, and every failure must be a
// positioned syntax error.
TEST(HclTest, MutatedInputsFailCleanly) {
  std::mt19937 rng(20240601);
  const std::string bases[] = {kServerConfig, kPolicy};
  const std::string alphabet = "{}[]\"=:,#/*<-\\\n x0.e";
  int failures = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string s = bases[i % 2];
    for (int e = 0, n = 1 + static_cast<int>(rng() % 4); e < n; ++e) {
      size_t pos = rng() % (s.size() + 1);
      char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          s.insert(pos, 1, c);
          break;
        case 1:
          if (pos < s.size()) s.erase(pos, 1);
          break;
        default:
          if (pos < s.size()) s[pos] = c;
      }
    }
    auto r = Parse(s, "fuzz.hcl");
    if (r) continue;
    ++failures;
    ASSERT_EQ(r.error().message().rfind("fuzz.hcl:", 0), 0u) << r.error().message();
  }
  EXPECT_GT(failures, 1000);  // the edits did exercise the error paths
}

}  // namespace
}  // namespace coffer::hcl
