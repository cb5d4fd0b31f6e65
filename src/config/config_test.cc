#include "config/config.h"

#include <gtest/gtest.h>

#include "config/test_configs.h"

namespace coffer::config {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

ServerConfig MustParse(std::string_view text, std::string_view file = "coffer.hcl") {
  auto r = Parse(text, file);
  EXPECT_TRUE(r.has_value()) << r.error().message();
  return r ? *r : ServerConfig{};
}

std::string ParseError(std::string_view text, std::string_view file = "coffer.hcl") {
  auto r = Parse(text, file);
  EXPECT_FALSE(r.has_value());
  return r ? "" : r.error().message();
}

void ExpectProductionConfig(const ServerConfig& c, const std::string& file) {
  ASSERT_TRUE(c.storage.has_value());
  EXPECT_EQ(c.storage->type, "raft");
  EXPECT_EQ(c.storage->options.at("path"), "/var/lib/coffer/data");
  EXPECT_EQ(c.storage->options.at("node_id"), "node1");
  EXPECT_EQ(c.storage->options.at("performance_multiplier"), "1");
  EXPECT_EQ(c.storage->options.at("trailing_logs"), "10000");
  EXPECT_EQ(c.storage->options.at("snapshot_threshold"), "8192");
  EXPECT_EQ(c.storage->source, file + ":1");
  EXPECT_FALSE(c.ha_storage.has_value());

  ASSERT_EQ(c.listeners.size(), 2u);
  const Listener& a = c.listeners[0];
  EXPECT_EQ(a.type, "tcp");
  EXPECT_EQ(a.address, "0.0.0.0:8200");
  EXPECT_EQ(a.cluster_address, "0.0.0.0:8201");
  EXPECT_EQ(a.tls_cert_file, "/etc/coffer/tls/server.crt");
  EXPECT_EQ(a.tls_key_file, "/etc/coffer/tls/server.key");
  EXPECT_EQ(a.tls_min_version, "tls12");
  EXPECT_EQ(a.tls_max_version, "tls13");
  EXPECT_FALSE(a.tls_disable);
  EXPECT_EQ(a.max_request_size, 33554432);
  EXPECT_EQ(a.max_request_duration, seconds(90));
  EXPECT_EQ(a.source, file + ":8");
  const Listener& b = c.listeners[1];
  EXPECT_EQ(b.address, "127.0.0.1:8210");
  EXPECT_EQ(b.cluster_address, "");
  EXPECT_EQ(b.source, file + ":15");

  EXPECT_TRUE(c.telemetry.present);
  EXPECT_EQ(c.telemetry.prometheus_retention_time, seconds(30));
  EXPECT_TRUE(c.telemetry.disable_hostname);
  EXPECT_EQ(c.api_addr, "https://10.0.1.10:8200");
  EXPECT_EQ(c.cluster_addr, "https://10.0.1.10:8201");
  EXPECT_TRUE(c.ui);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.log_format, "standard");
  EXPECT_EQ(c.default_lease_ttl, hours(768));
  EXPECT_EQ(c.max_lease_ttl, hours(768));
  EXPECT_TRUE(c.seals.empty());
  EXPECT_EQ(c.files, std::vector<std::string>{file});
}

TEST(ConfigParseTest, ProductionHcl) {
  ServerConfig c = MustParse(test_data::kProductionHcl, "coffer.hcl");
  ExpectProductionConfig(c, "coffer.hcl");
  EXPECT_TRUE(Validate(c).ok()) << Validate(c).message();
}

TEST(ConfigParseTest, ProductionJson) {
  ServerConfig c = MustParse(test_data::kProductionJson, "coffer.json");
  ExpectProductionConfig(c, "coffer.json");
  EXPECT_TRUE(Validate(c).ok()) << Validate(c).message();
}

TEST(ConfigParseTest, JsonDetectedByContentOrName) {
  // A .conf file whose text starts with '{' is JSON.
  ServerConfig c = MustParse("  {\"ui\": true}", "coffer.conf");
  EXPECT_TRUE(c.ui);
  // A .json name forces JSON even for text that would be HCL.
  EXPECT_NE(ParseError("ui = true", "coffer.json").find("coffer.json:1:1: invalid JSON"),
            std::string::npos);
}

TEST(ConfigParseTest, DefaultsWhenKeysAreAbsent) {
  ServerConfig c = MustParse("listener \"tcp\" {}\n");
  ASSERT_EQ(c.listeners.size(), 1u);
  const Listener& l = c.listeners[0];
  EXPECT_EQ(l.address, "127.0.0.1:8200");
  EXPECT_EQ(l.tls_min_version, "tls12");
  EXPECT_EQ(l.http_idle_timeout, seconds(300));
  EXPECT_EQ(l.http_read_header_timeout, seconds(10));
  EXPECT_TRUE(l.x_forwarded_for_reject_not_present);
  EXPECT_FALSE(c.telemetry.present);
  EXPECT_EQ(c.telemetry.prometheus_retention_time, seconds(0));
  EXPECT_EQ(c.telemetry.usage_gauge_period, seconds(600));
  EXPECT_EQ(c.cache_size, 131072);
  EXPECT_EQ(c.default_max_request_duration, seconds(90));
  EXPECT_FALSE(c.storage.has_value());
}

TEST(ConfigParseTest, WeakTypesLikeVault) {
  ServerConfig c = MustParse(R"(
ui = "true"
disable_mlock = 1
default_lease_ttl = 3600
max_lease_ttl = "1h30m"
cache_size = "1000"
listener "tcp" {
  tls_disable = "true"
  max_request_size = 0
  max_request_duration = "2m"
  tls_cipher_suites = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
  x_forwarded_for_authorized_addrs = "10.0.0.0/8,192.168.0.0/16"
  x_forwarded_for_hop_skips = "1"
}
log_level = " DEBUG "
)");
  EXPECT_TRUE(c.ui);
  EXPECT_TRUE(c.disable_mlock);
  EXPECT_EQ(c.default_lease_ttl, seconds(3600));
  EXPECT_EQ(c.max_lease_ttl, seconds(5400));
  EXPECT_EQ(c.cache_size, 1000);
  EXPECT_EQ(c.log_level, "debug");
  const Listener& l = c.listeners.at(0);
  EXPECT_TRUE(l.tls_disable);
  EXPECT_EQ(l.max_request_size, 33554432);  // 0 means the default
  EXPECT_EQ(l.max_request_duration, seconds(120));
  EXPECT_EQ(l.tls_cipher_suites,
            (std::vector<std::string>{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"}));
  EXPECT_EQ(l.x_forwarded_for_authorized_addrs,
            (std::vector<std::string>{"10.0.0.0/8", "192.168.0.0/16"}));
  EXPECT_EQ(l.x_forwarded_for_hop_skips, 1);
}

TEST(ConfigParseTest, LegacyBackendIsStorage) {
  ServerConfig c = MustParse("backend \"file\" {\n  path = \"/tmp/x\"\n}\n");
  ASSERT_TRUE(c.storage.has_value());
  EXPECT_EQ(c.storage->type, "file");
  EXPECT_EQ(c.storage->options.at("path"), "/tmp/x");
}

TEST(ConfigParseTest, RaftRetryJoin) {
  ServerConfig c = MustParse(R"(
storage "raft" {
  path = "/data"
  node_id = "n2"
  autopilot_reconcile_interval = "10s"
  retry_join {
    leader_api_addr = "https://10.0.1.10:8200"
    leader_ca_cert_file = "/etc/coffer/ca.pem"
  }
  retry_join {
    auto_join = "provider=aws tag_key=coffer tag_value=prod"
    auto_join_port = 8200
  }
}
)");
  const Json& joins = c.storage->raw["retry_join"];
  ASSERT_EQ(joins.size(), 2u);
  EXPECT_EQ(joins[0]["leader_api_addr"], "https://10.0.1.10:8200");
  EXPECT_EQ(joins[1]["auto_join_port"], 8200);
  // Nested blocks reach the options map as JSON text, as Vault passes them to raft.
  EXPECT_EQ(Json::parse(c.storage->options.at("retry_join")), joins);
  EXPECT_EQ(c.storage->options.at("autopilot_reconcile_interval"), "10s");
}

TEST(ConfigParseTest, RetryJoinAsJsonObject) {
  ServerConfig c = MustParse(R"({"storage": {"raft": {"path": "/d",
      "retry_join": {"leader_api_addr": "https://a:8200"}}}})",
                             "c.json");
  EXPECT_EQ(c.storage->raw["retry_join"],
            Json::parse(R"([{"leader_api_addr": "https://a:8200"}])"));
}

TEST(ConfigParseTest, OtherStorageTypesKeepAnyOptions) {
  ServerConfig c = MustParse(R"(
storage "consul" {
  address = "127.0.0.1:8500"
  max_parallel = 128
  tls_skip_verify = true
}
ha_storage "consul" { address = "127.0.0.1:8500" }
)");
  EXPECT_EQ(c.storage->options.at("max_parallel"), "128");
  EXPECT_EQ(c.storage->options.at("tls_skip_verify"), "true");
  EXPECT_EQ(c.ha_storage->type, "consul");
  EXPECT_EQ(c.ha_storage->source, "coffer.hcl:7");
}

TEST(ConfigParseTest, SealsKeepRawOptions) {
  ServerConfig c = MustParse(R"(
seal "awskms" {
  region = "eu-west-1"
  kms_key_id = "alias/coffer"
}
seal "transit" {
  address = "https://transit:8200"
  disabled = "true"
  tls_skip_verify = true
}
)");
  ASSERT_EQ(c.seals.size(), 2u);
  EXPECT_EQ(c.seals[0].type, "awskms");
  EXPECT_EQ(c.seals[0].options,
            Json::parse(R"({"region":"eu-west-1","kms_key_id":"alias/coffer"})"));
  EXPECT_FALSE(c.seals[0].disabled);
  EXPECT_TRUE(c.seals[1].disabled);
  EXPECT_FALSE(c.seals[1].options.contains("disabled"));
  EXPECT_EQ(c.seals[1].source, "coffer.hcl:6");
}

TEST(ConfigParseTest, ListenerNestedBlocks) {
  ServerConfig c = MustParse(R"(
listener "tcp" {
  tls_disable = true
  telemetry { unauthenticated_metrics_access = true }
  profiling { unauthenticated_pprof_access = "true" }
  inflight_requests_logging { unauthenticated_in_flight_requests_access = true }
  custom_response_headers {
    "default" = { "Strict-Transport-Security" = ["max-age=31536000"] }
    "307" = { "X-Custom" = ["a", "b"] }
  }
  proxy_protocol_behavior = "allow_authorized"
  proxy_protocol_authorized_addrs = ["10.0.0.1"]
  redact_version = true
}
)");
  const Listener& l = c.listeners.at(0);
  EXPECT_TRUE(l.unauthenticated_metrics_access);
  EXPECT_TRUE(l.unauthenticated_pprof_access);
  EXPECT_TRUE(l.unauthenticated_in_flight_requests_access);
  EXPECT_EQ(l.custom_response_headers["307"]["X-Custom"], Json::array({"a", "b"}));
  EXPECT_EQ(l.proxy_protocol_behavior, "allow_authorized");
  EXPECT_TRUE(l.redact_version);
}

TEST(ConfigParseTest, TelemetryDefaultsInsideTheBlock) {
  ServerConfig c = MustParse(R"(
telemetry {
  usage_gauge_period = "none"
  dogstatsd_addr = "localhost:8125"
  dogstatsd_tags = ["env:prod"]
  prefix_filter = ["+vault.token", "-vault.expire"]
  circonus_api_token = "kept raw"
}
)");
  EXPECT_TRUE(c.telemetry.present);
  EXPECT_EQ(c.telemetry.prometheus_retention_time, hours(24));
  EXPECT_EQ(c.telemetry.usage_gauge_period, seconds(0));
  EXPECT_EQ(c.telemetry.dogstatsd_addr, "localhost:8125");
  EXPECT_EQ(c.telemetry.prefix_filter.size(), 2u);
  EXPECT_EQ(c.telemetry.raw["circonus_api_token"], "kept raw");
  EXPECT_EQ(c.telemetry.source, "coffer.hcl:2");
}

TEST(ConfigParseTest, AcceptedTopLevelKeys) {
  ServerConfig c = MustParse(R"(
log_format = "json"
log_file = "/var/log/coffer.log"
pid_file = "/run/coffer.pid"
plugin_directory = "/usr/lib/coffer/plugins"
license_path = "/etc/coffer/license"
disable_cache = true
raw_storage_endpoint = true
disable_clustering = false
enable_response_header_hostname = true
enable_response_header_raft_node_id = true
disable_performance_standby = true
introspection_endpoint = true
default_max_request_duration = "30s"
cluster_name = "prod"
service_registration "consul" { address = "127.0.0.1:8500" }
)");
  EXPECT_EQ(c.log_format, "json");
  EXPECT_EQ(c.log_file, "/var/log/coffer.log");
  EXPECT_EQ(c.pid_file, "/run/coffer.pid");
  EXPECT_EQ(c.plugin_directory, "/usr/lib/coffer/plugins");
  EXPECT_EQ(c.license_path, "/etc/coffer/license");
  EXPECT_TRUE(c.disable_cache && c.raw_storage_endpoint && c.enable_response_header_hostname);
  EXPECT_TRUE(c.enable_response_header_raft_node_id && c.disable_performance_standby);
  EXPECT_TRUE(c.introspection_endpoint);
  EXPECT_EQ(c.default_max_request_duration, seconds(30));
  EXPECT_EQ(c.cluster_name, "prod");
  ASSERT_TRUE(c.service_registration.has_value());
  EXPECT_EQ(c.service_registration->type, "consul");
  EXPECT_EQ(c.service_registration->options["address"], "127.0.0.1:8500");
}

}  // namespace
}  // namespace coffer::config
