#include "server/telemetry_setup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "crypto/tls.h"

namespace coffer::server {
namespace {

bool Contains(const std::string& s, const std::string& needle) {
  return s.find(needle) != std::string::npos;
}

TEST(TelemetrySetup, OptionsFromTheTelemetryBlock) {
  config::ServerConfig cfg;
  cfg.telemetry.prometheus_retention_time = std::chrono::seconds(30);
  cfg.telemetry.disable_hostname = true;
  cfg.telemetry.statsd_address = "127.0.0.1:8125";
  cfg.telemetry.dogstatsd_tags = {"env:prod"};
  cfg.telemetry.usage_gauge_period = std::chrono::seconds(60);
  telemetry::Options o = TelemetryOptions(cfg, false, "host-a");
  EXPECT_EQ(o.prefix, "vault");
  EXPECT_EQ(o.hostname, "host-a");
  EXPECT_TRUE(o.disable_hostname);
  EXPECT_EQ(o.prometheus_retention_time, std::chrono::seconds(30));
  EXPECT_EQ(o.statsd_address, "127.0.0.1:8125");
  EXPECT_EQ(o.dogstatsd_tags, std::vector<std::string>{"env:prod"});
  EXPECT_EQ(o.usage_gauge_period, std::chrono::seconds(60));

  // No telemetry block: JSON only. Dev mode: Vault's dev defaults.
  config::ServerConfig none;
  EXPECT_EQ(TelemetryOptions(none, false, "h").prometheus_retention_time.count(), 0);
  telemetry::Options dev = TelemetryOptions(none, true, "h");
  EXPECT_EQ(dev.prometheus_retention_time, std::chrono::hours(24));
  EXPECT_TRUE(dev.disable_hostname);
}

TEST(TelemetrySetup, DiskAndCertificateCollectors) {
  auto cert = crypto::GenerateSelfSigned("node", {"localhost"}, {"127.0.0.1"},
                                         std::chrono::hours(48), false);
  ASSERT_TRUE(cert.has_value());
  std::string file = ::testing::TempDir() + "coffer_cert_" + std::to_string(getpid()) + ".pem";
  std::ofstream(file) << cert->cert_pem;

  config::ServerConfig cfg;
  config::Listener tls;
  tls.address = "127.0.0.1:8200";
  tls.tls_cert_file = file;
  cfg.listeners.push_back(tls);
  config::Listener plain;
  plain.address = "127.0.0.1:8300";
  plain.tls_disable = true;
  cfg.listeners.push_back(plain);

  telemetry::Options o;
  o.disable_hostname = true;
  telemetry::Configure(o);
  telemetry::RegisterCollector(DiskSpaceCollector(::testing::TempDir()));
  telemetry::RegisterCollector(CertificateExpiryCollector(cfg));
  std::string prom = telemetry::RenderPrometheus();
  EXPECT_TRUE(Contains(prom, "vault_raft_storage_disk_available_bytes{path=")) << prom;
  EXPECT_TRUE(Contains(prom, "vault_raft_storage_disk_total_bytes{path=")) << prom;
  auto at = prom.find("vault_tls_certificate_expiry_seconds{listener=\"127.0.0.1:8200\"} ");
  ASSERT_NE(at, std::string::npos) << prom;
  double left = std::stod(prom.substr(prom.find("} ", at) + 2));
  EXPECT_GT(left, 47 * 3600.0);
  EXPECT_LE(left, 48 * 3600.0 + 60);
  EXPECT_FALSE(Contains(prom, "127.0.0.1:8300"));
  telemetry::ResetForTests();
  unlink(file.c_str());
}

}  // namespace
}  // namespace coffer::server
