#include <gtest/gtest.h>

#include <random>

#include "hcl/hcl.h"

namespace coffer::hcl {
namespace {

std::string JsonError(std::string_view text) {
  auto r = ParseJsonDocument(text, "c.json");
  EXPECT_FALSE(r.has_value());
  return r ? "" : r.error().message();
}

TEST(JsonDocumentTest, ValueAndLines) {
  constexpr char kText[] = R"({
  "storage": {
    "raft": {
      "path": "/data",
      "node_id": "n1"
    }
  },
  "listener": [
    {"tcp": {"address": "0.0.0.0:8200"}},
    {"tcp": {"address": "127.0.0.1:8210",
             "tls_disable": true}}
  ],
  "ui": true,
  "we\"ird/key": 1
})";
  auto r = ParseJsonDocument(kText, "c.json");
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->value["storage"]["raft"]["node_id"], "n1");
  EXPECT_EQ(r->value["listener"][1]["tcp"]["tls_disable"], true);
  EXPECT_EQ(r->LineOf("/storage"), 2);
  EXPECT_EQ(r->LineOf("/storage/raft/node_id"), 5);
  EXPECT_EQ(r->LineOf("/listener/0"), 9);
  EXPECT_EQ(r->LineOf("/listener/1/tcp/tls_disable"), 11);
  EXPECT_EQ(r->LineOf("/ui"), 13);
  EXPECT_EQ(r->LineOf("/we\"ird~1key"), 14);
}

TEST(JsonDocumentTest, SyntaxErrorsHaveLineAndColumn) {
  std::string e = JsonError("{\n  \"a\": 1,\n  \"b\": tru\n}");
  EXPECT_EQ(e.rfind("c.json:3:", 0), 0u) << e;
  EXPECT_NE(e.find("invalid JSON: syntax error"), std::string::npos) << e;
  e = JsonError("{\"a\": 1");
  EXPECT_EQ(e.rfind("c.json:1:", 0), 0u) << e;
  EXPECT_NE(e.find("unexpected end of input"), std::string::npos) << e;
}

TEST(JsonDocumentTest, TopLevelMustBeAnObject) {
  EXPECT_EQ(JsonError("\n  [1, 2]"), "c.json:2:3: expected a JSON object at the top level");
  EXPECT_EQ(JsonError("\"x\""), "c.json:1:1: expected a JSON object at the top level");
}

TEST(JsonDocumentTest, DuplicateKeysAreErrors) {
  EXPECT_EQ(JsonError("{\n \"a\": 1,\n \"a\": 2\n}"),
            "c.json:3:2: duplicate key \"a\" (first set on line 2)");
  EXPECT_EQ(JsonError("{\"o\": {\"k\": 1, \"k\": [2]}}"),
            "c.json:1:16: duplicate key \"k\" (first set on line 1)");
  // Same key in sibling objects is fine.
  EXPECT_TRUE(ParseJsonDocument(R"({"x": [{"k": 1}, {"k": 2}]})").has_value());
}

TEST(JsonDocumentTest, DeepNestingIsRejected) {
  std::string deep = "{\"a\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_NE(JsonError(deep).find("nesting too deep"), std::string::npos);
  // Brackets inside strings do not count.
  std::string s = "{\"a\": \"" + std::string(1000, '[') + "\"}";
  EXPECT_TRUE(ParseJsonDocument(s).has_value());
}

TEST(JsonDocumentTest, MutatedInputsFailCleanly) {
  const std::string base = R"({"path": {"secret/*": {"capabilities": ["read", "list"],
    "allowed_parameters": {"a": [], "b": ["x\"y"]}, "n": -1.5e3, "t": true, "z": null}}})";
  ASSERT_TRUE(ParseJsonDocument(base).has_value());
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]\":,\\ 1e-.nt";
  for (int i = 0; i < 4000; ++i) {
    std::string s = base;
    for (int e = 0, n = 1 + static_cast<int>(rng() % 3); e < n; ++e) {
      size_t pos = rng() % s.size();
      s[pos] = alphabet[rng() % alphabet.size()];
    }
    auto r = ParseJsonDocument(s, "fuzz.json");
    if (!r) {
      ASSERT_EQ(r.error().message().rfind("fuzz.json:", 0), 0u) << r.error().message();
    }
  }
}

}  // namespace
}  // namespace coffer::hcl
