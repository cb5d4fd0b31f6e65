// Parse errors: each names the file, the line and the key, so an operator can fix the
// configuration without guessing.

#include <gtest/gtest.h>

#include <random>

#include "config/config.h"
#include "config/test_configs.h"

namespace coffer::config {
namespace {

std::string ParseError(std::string_view text, std::string_view file = "coffer.hcl") {
  auto r = Parse(text, file);
  EXPECT_FALSE(r.has_value());
  if (r) return "";
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  return r.error().message();
}

TEST(ConfigErrorTest, UnknownListenerKey) {
  std::string text = test_data::kProductionHcl;
  text.replace(text.find("address = \"127.0.0.1:8210\""), 7, "adress");
  EXPECT_EQ(ParseError(text), "coffer.hcl:16: listener \"tcp\": unknown key \"adress\"");
}

TEST(ConfigErrorTest, BadDuration) {
  EXPECT_EQ(ParseError("ui = true\n\ndefault_lease_ttl = \"abc\"\n"),
            "coffer.hcl:3: default_lease_ttl: invalid duration \"abc\"");
  EXPECT_EQ(ParseError("max_lease_ttl = -5"), "coffer.hcl:1: max_lease_ttl: invalid duration -5");
  EXPECT_EQ(ParseError("max_lease_ttl = true"),
            "coffer.hcl:1: max_lease_ttl: invalid duration true");
  EXPECT_EQ(
      ParseError("listener \"tcp\" {\n  max_request_duration = \"10 parsecs\"\n}"),
      "coffer.hcl:2: listener \"tcp\": max_request_duration: invalid duration \"10 parsecs\"");
}

TEST(ConfigErrorTest, UnknownTopLevelKeyReportsTheFirstInTheFile) {
  EXPECT_EQ(ParseError("ui = true\nzeta = 1\nalpha = 2\n"), "coffer.hcl:2: unknown key \"zeta\"");
}

TEST(ConfigErrorTest, WrongTypes) {
  EXPECT_EQ(ParseError("api_addr = 5"), "coffer.hcl:1: api_addr: expected a string, got 5");
  EXPECT_EQ(ParseError("listener \"tcp\" {\n\n  tls_disable = \"maybe\"\n}"),
            "coffer.hcl:3: listener \"tcp\": tls_disable: expected a boolean (true or false), "
            "got \"maybe\"");
  EXPECT_EQ(ParseError("listener \"tcp\" {\n  max_request_size = \"big\"\n}"),
            "coffer.hcl:2: listener \"tcp\": max_request_size: expected an integer, got \"big\"");
  EXPECT_EQ(ParseError("listener \"tcp\" {\n  tls_cipher_suites = [true]\n}"),
            "coffer.hcl:2: listener \"tcp\": tls_cipher_suites: expected a string or a list of "
            "strings, got [true]");
}

TEST(ConfigErrorTest, EnumeratedValues) {
  EXPECT_EQ(ParseError("listener \"tcp\" {\n  tls_min_version = \"tls14\"\n}"),
            "coffer.hcl:2: listener \"tcp\": tls_min_version: \"tls14\" is not one of tls10, "
            "tls11, tls12, tls13");
  EXPECT_EQ(ParseError("listener \"tcp\" {\n  tls_max_version = \"TLS13\"\n}"),
            "coffer.hcl:2: listener \"tcp\": tls_max_version: \"TLS13\" is not one of tls10, "
            "tls11, tls12, tls13");
  EXPECT_EQ(ParseError("log_level = \"verbose\""),
            "coffer.hcl:1: log_level: \"verbose\" is not one of trace, debug, info, warn, error");
  EXPECT_EQ(ParseError("log_format = \"xml\""),
            "coffer.hcl:1: log_format: \"xml\" is not one of standard, json");
  EXPECT_EQ(ParseError("listener \"tcp\" {\n  proxy_protocol_behavior = \"sometimes\"\n}"),
            "coffer.hcl:2: listener \"tcp\": proxy_protocol_behavior: \"sometimes\" is not one "
            "of use_always, allow_authorized, deny_unauthorized");
}

TEST(ConfigErrorTest, StorageOnlyOnce) {
  EXPECT_EQ(ParseError("storage \"raft\" {\n  path = \"/a\"\n}\nstorage \"raft\" {\n}\n"),
            "coffer.hcl:4: storage \"raft\": storage is already configured at coffer.hcl:1 "
            "(only one is allowed)");
  EXPECT_EQ(ParseError("storage \"raft\" { path = \"/a\" }\nbackend \"file\" { path = \"/b\" }"),
            "coffer.hcl:2: backend \"file\": storage is already configured at coffer.hcl:1 "
            "(only one is allowed)");
  EXPECT_EQ(ParseError("ha_storage \"consul\" {}\nha_storage \"consul\" {}"),
            "coffer.hcl:2: ha_storage \"consul\": ha_storage is already configured at "
            "coffer.hcl:1 (only one is allowed)");
}

TEST(ConfigErrorTest, RaftKeys) {
  EXPECT_EQ(ParseError("storage \"raft\" {\n  pth = \"/data\"\n}"),
            "coffer.hcl:2: storage \"raft\": unknown key \"pth\"");
  EXPECT_EQ(ParseError("storage \"raft\" {\n  path = \"/d\"\n  trailing_logs = \"many\"\n}"),
            "coffer.hcl:3: storage \"raft\": trailing_logs: expected an integer, got \"many\"");
  EXPECT_EQ(ParseError("storage \"raft\" {\n  performance_multiplier = 11\n}"),
            "coffer.hcl:2: storage \"raft\": performance_multiplier: must be at most 10");
  EXPECT_EQ(ParseError("storage \"raft\" {\n  autopilot_reconcile_interval = \"soon\"\n}"),
            "coffer.hcl:2: storage \"raft\": autopilot_reconcile_interval: invalid duration "
            "\"soon\"");
  EXPECT_EQ(ParseError("storage \"file\" {\n  path = \"/d\"\n  node_id = \"x\"\n}"),
            "coffer.hcl:3: storage \"file\": unknown key \"node_id\"");
}

TEST(ConfigErrorTest, RetryJoin) {
  EXPECT_EQ(ParseError("storage \"raft\" {\n  retry_join {\n    leader_api_addr = \"https://a\"\n"
                       "    leader_addr = \"x\"\n  }\n}"),
            "coffer.hcl:4: storage \"raft\": retry_join: unknown key \"leader_addr\"");
  EXPECT_EQ(ParseError("storage \"raft\" {\n  path = \"/d\"\n  retry_join {\n  }\n}"),
            "coffer.hcl:3: storage \"raft\": retry_join: needs leader_api_addr or auto_join");
  EXPECT_EQ(ParseError("storage \"raft\" {\n  retry_join {\n    leader_api_addr = \"https://a\"\n"
                       "    auto_join = \"provider=aws\"\n  }\n}"),
            "coffer.hcl:2: storage \"raft\": retry_join: leader_api_addr and auto_join are "
            "mutually exclusive");
}

TEST(ConfigErrorTest, BlockShapes) {
  EXPECT_EQ(ParseError("listener {\n  address = \"x\"\n}"),
            "coffer.hcl:2: listener: expected a block with a type label, like listener "
            "\"<type>\" { ... }");
  EXPECT_EQ(ParseError("listener = \"tcp\""),
            "coffer.hcl:1: listener: expected a block, like listener { ... }, got \"tcp\"");
  EXPECT_EQ(ParseError("seal {}"),
            "coffer.hcl:1: seal: expected a block with a type label, like seal \"<type>\" { ... }");
  EXPECT_EQ(ParseError("listener \"unix\" {\n  address = \"/run/coffer.sock\"\n}"),
            "coffer.hcl:1: listener \"unix\": unsupported listener type (supported: \"tcp\")");
  EXPECT_EQ(ParseError("telemetry {}\ntelemetry {}\n"),
            "coffer.hcl:2: telemetry: only one telemetry block is allowed");
  EXPECT_EQ(ParseError("telemetry {\n  statsd_addr = \"x\"\n}"),
            "coffer.hcl:2: telemetry: unknown key \"statsd_addr\"");
  EXPECT_EQ(ParseError("listener \"tcp\" {\n  telemetry {\n    metrics = true\n  }\n}"),
            "coffer.hcl:3: listener \"tcp\": telemetry: unknown key \"metrics\"");
  EXPECT_EQ(ParseError("service_registration \"consul\" {}\nservice_registration \"k8s\" {}"),
            "coffer.hcl:2: service_registration: only one service_registration block is allowed");
}

TEST(ConfigErrorTest, SyntaxErrorsPassThrough) {
  EXPECT_EQ(ParseError("ui = true\napi_addr = \"https://x\nlog_level = \"info\"\n"),
            "coffer.hcl:2:12: unterminated string (missing closing '\"' on this line)");
  EXPECT_EQ(ParseError("listener \"tcp\" {\n  address = \"x\"\n"),
            "coffer.hcl:3:1: unexpected end of input: '{' opened on line 1 is not closed");
  EXPECT_EQ(ParseError("ui = true\nui = false\n"),
            "coffer.hcl:2:1: duplicate attribute \"ui\" (first set on line 1)");
}

TEST(ConfigErrorTest, JsonErrorsHaveLines) {
  EXPECT_EQ(ParseError("{\n  \"listener\": {\"tcp\": {\n    \"adress\": \"x\"\n  }}\n}", "c.json"),
            "c.json:3: listener \"tcp\": unknown key \"adress\"");
  EXPECT_EQ(ParseError("{\n  \"api_addr\": \"https://x\",\n  \"ui\": \"yes\"\n}", "c.json"),
            "c.json:3: ui: expected a boolean (true or false), got \"yes\"");
  EXPECT_EQ(ParseError("{\"ui\": true, \"ui\": false}", "c.json"),
            "c.json:1:14: duplicate key \"ui\" (first set on line 1)");
}

// Random edits of the production configs: Parse and Validate never crash or throw, and
// every parse failure names the file.
TEST(ConfigErrorTest, MutatedConfigsFailCleanly) {
  std::mt19937 rng(99);
  const std::string alphabet = "{}[]\"=:,#\n 0-.tx";
  for (int i = 0; i < 3000; ++i) {
    bool json = i % 2 == 1;
    std::string s = json ? test_data::kProductionJson : test_data::kProductionHcl;
    for (int e = 0, n = 1 + static_cast<int>(rng() % 3); e < n; ++e) {
      s[rng() % s.size()] = alphabet[rng() % alphabet.size()];
    }
    std::string file = json ? "fuzz.json" : "fuzz.hcl";
    auto r = Parse(s, file);
    if (r) {
      (void)Validate(*r);
      continue;
    }
    ASSERT_EQ(r.error().message().rfind(file + ":", 0), 0u) << r.error().message();
  }
}

}  // namespace
}  // namespace coffer::config
