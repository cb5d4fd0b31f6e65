#include <gtest/gtest.h>

#include "config/config.h"
#include "config/test_configs.h"

namespace coffer::config {
namespace {

ServerConfig Production() {
  auto r = Parse(test_data::kProductionHcl, "coffer.hcl");
  EXPECT_TRUE(r.has_value());
  return r ? *r : ServerConfig{};
}

std::string Invalid(const ServerConfig& c) {
  Status st = Validate(c);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  return st.message();
}

TEST(ValidateTest, ProductionConfigIsValid) {
  Status st = Validate(Production());
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(ValidateTest, StorageIsRequired) {
  ServerConfig c = Production();
  c.storage.reset();
  EXPECT_EQ(Invalid(c),
            "no storage configured: add a storage stanza, like storage \"raft\" { ... }");
}

TEST(ValidateTest, RaftRules) {
  ServerConfig c = Production();
  c.cluster_addr.clear();
  EXPECT_EQ(Invalid(c),
            "cluster_addr is required with raft storage (set it or VAULT_CLUSTER_ADDR)");
  c = Production();
  c.disable_clustering = true;
  EXPECT_EQ(Invalid(c), "disable_clustering cannot be true with storage \"raft\"");
  c = Production();
  c.ha_storage = Storage{"consul", {}, "coffer.hcl:30", Json::object()};
  EXPECT_EQ(Invalid(c),
            "coffer.hcl:30: ha_storage: not allowed with storage \"raft\" (raft provides HA "
            "itself)");
  // None of this applies to other storage types...
  c.storage->type = "inmem";
  c.ha_storage.reset();
  c.cluster_addr.clear();
  EXPECT_TRUE(Validate(c).ok());
  // ...except that raft for HA coordination needs cluster_addr too.
  c.ha_storage = Storage{"raft", {}, "coffer.hcl:30", Json::object()};
  EXPECT_EQ(Invalid(c),
            "cluster_addr is required with raft storage (set it or VAULT_CLUSTER_ADDR)");
  c.cluster_addr = "https://10.0.1.10:8201";
  EXPECT_TRUE(Validate(c).ok());
}

TEST(ValidateTest, AtLeastOneListener) {
  ServerConfig c = Production();
  c.listeners.clear();
  EXPECT_EQ(Invalid(c), "no listener configured: add a listener \"tcp\" { ... } stanza");
}

TEST(ValidateTest, TlsFilesUnlessTlsDisabled) {
  ServerConfig c = Production();
  c.listeners[1].tls_key_file.clear();
  EXPECT_EQ(Invalid(c),
            "coffer.hcl:15: listener \"tcp\": tls_key_file is required unless tls_disable = true");
  c.listeners[1].tls_cert_file.clear();
  EXPECT_EQ(Invalid(c),
            "coffer.hcl:15: listener \"tcp\": tls_cert_file is required unless tls_disable = true");
  c.listeners[1].tls_disable = true;
  EXPECT_TRUE(Validate(c).ok());
}

TEST(ValidateTest, TlsFilesAreNotOpened) {
  ServerConfig c = Production();
  c.listeners[0].tls_cert_file = "/does/not/exist.crt";
  EXPECT_TRUE(Validate(c).ok());
}

TEST(ValidateTest, TlsVersions) {
  ServerConfig c = Production();
  c.listeners[0].tls_min_version = "tls13";
  c.listeners[0].tls_max_version = "tls12";
  EXPECT_EQ(Invalid(c),
            "coffer.hcl:8: listener \"tcp\": tls_min_version \"tls13\" is above tls_max_version "
            "\"tls12\"");
  c.listeners[0].tls_min_version = "ssl3";
  EXPECT_EQ(Invalid(c),
            "coffer.hcl:8: listener \"tcp\": tls_min_version: \"ssl3\" is not one of tls10, tls11, "
            "tls12, tls13");
  c.listeners[0].tls_min_version = "tls10";
  EXPECT_TRUE(Validate(c).ok());
}

TEST(ValidateTest, ClientCertFlagsAreExclusive) {
  ServerConfig c = Production();
  c.listeners[0].tls_require_and_verify_client_cert = true;
  EXPECT_TRUE(Validate(c).ok());
  c.listeners[0].tls_disable_client_certs = true;
  EXPECT_EQ(Invalid(c),
            "coffer.hcl:8: listener \"tcp\": tls_require_and_verify_client_cert and "
            "tls_disable_client_certs are mutually exclusive");
}

TEST(ValidateTest, ProxyProtocol) {
  ServerConfig c = Production();
  c.listeners[0].proxy_protocol_behavior = "deny_unauthorized";
  EXPECT_EQ(Invalid(c),
            "coffer.hcl:8: listener \"tcp\": proxy_protocol_authorized_addrs is required with "
            "proxy_protocol_behavior \"deny_unauthorized\"");
  c.listeners[0].proxy_protocol_authorized_addrs = {"10.0.0.1"};
  EXPECT_TRUE(Validate(c).ok());
  c.listeners[0].proxy_protocol_behavior = "use_always";
  c.listeners[0].proxy_protocol_authorized_addrs.clear();
  EXPECT_TRUE(Validate(c).ok());
}

TEST(ValidateTest, LeaseTtlOrder) {
  ServerConfig c = Production();
  c.default_lease_ttl = std::chrono::hours(800);
  EXPECT_EQ(Invalid(c), "default_lease_ttl (800h0m0s) must not exceed max_lease_ttl (768h0m0s)");
  c.max_lease_ttl = std::chrono::hours(800);
  EXPECT_TRUE(Validate(c).ok());
}

TEST(ValidateTest, LogSettings) {
  ServerConfig c = Production();
  c.log_level = "loud";
  EXPECT_EQ(Invalid(c), "log_level: \"loud\" is not one of trace, debug, info, warn, error");
  c.log_level = "trace";
  c.log_format = "yaml";
  EXPECT_EQ(Invalid(c), "log_format: \"yaml\" is not one of standard, json");
}

TEST(ValidateTest, AddressesAreUrls) {
  ServerConfig c = Production();
  c.api_addr = "10.0.1.10:8200";
  EXPECT_EQ(Invalid(c),
            "api_addr: \"10.0.1.10:8200\" must be a full URL, like https://10.0.0.5:8200");
  c = Production();
  c.cluster_addr = "10.0.1.10:8201";
  EXPECT_EQ(Invalid(c),
            "cluster_addr: \"10.0.1.10:8201\" must be a full URL, like https://10.0.0.5:8201");
}

TEST(ValidateTest, Seals) {
  ServerConfig c = Production();
  c.seals.push_back(Seal{"awskms", Json::object(), false, "coffer.hcl:30"});
  EXPECT_TRUE(Validate(c).ok());
  c.seals.push_back(Seal{"transit", Json::object(), false, "coffer.hcl:35"});
  EXPECT_EQ(Invalid(c),
            "coffer.hcl:35: seal \"transit\": only one enabled seal is allowed (plus one with "
            "disabled = true while migrating)");
  c.seals[1].disabled = true;  // migrating away from transit
  EXPECT_TRUE(Validate(c).ok());
}

TEST(ValidateTest, EmptyStorageType) {
  auto r = Parse("storage \"\" {}\n", "coffer.hcl");
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(Invalid(*r), "coffer.hcl:1: storage: type must not be empty");
}

}  // namespace
}  // namespace coffer::config
