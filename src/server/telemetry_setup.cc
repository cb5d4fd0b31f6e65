#include "server/telemetry_setup.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "crypto/tls.h"

namespace coffer::server {

namespace {

std::string Hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

}  // namespace

telemetry::Options TelemetryOptions(const config::ServerConfig& cfg, bool dev,
                                    const std::string& hostname) {
  const config::Telemetry& t = cfg.telemetry;
  telemetry::Options o;
  o.prefix = t.metrics_prefix.empty() ? "vault" : t.metrics_prefix;
  o.hostname = hostname;
  o.disable_hostname = t.disable_hostname;
  o.enable_hostname_label = t.enable_hostname_label;
  o.prometheus_retention_time = t.prometheus_retention_time;
  o.usage_gauge_period = t.usage_gauge_period;
  o.statsd_address = t.statsd_address;
  o.dogstatsd_addr = t.dogstatsd_addr;
  o.dogstatsd_tags = t.dogstatsd_tags;
  o.prefix_filter = t.prefix_filter;
  o.filter_default = t.filter_default;
  if (dev && o.prometheus_retention_time.count() == 0) {
    // Vault's DevConfig: telemetry { prometheus_retention_time = "24h" disable_hostname = true }
    o.prometheus_retention_time = std::chrono::hours(24);
    o.disable_hostname = true;
  }
  return o;
}

telemetry::Collector DiskSpaceCollector(std::string path) {
  return [path = std::move(path)] {
    struct statvfs st {};
    if (::statvfs(path.c_str(), &st) != 0) return;
    double unit = static_cast<double>(st.f_frsize);
    telemetry::SetGauge("raft_storage.disk.available_bytes",
                        static_cast<double>(st.f_bavail) * unit, {{"path", path}});
    telemetry::SetGauge("raft_storage.disk.total_bytes", static_cast<double>(st.f_blocks) * unit,
                        {{"path", path}});
  };
}

telemetry::Collector CertificateExpiryCollector(const config::ServerConfig& cfg) {
  std::vector<std::pair<std::string, std::string>> certs;  // listener address, cert file
  for (const auto& l : cfg.listeners) {
    if (!l.tls_disable && !l.tls_cert_file.empty()) certs.emplace_back(l.address, l.tls_cert_file);
  }
  return [certs = std::move(certs)] {
    for (const auto& [address, file] : certs) {
      std::ifstream f(file, std::ios::binary);
      if (!f) continue;
      std::stringstream pem;
      pem << f.rdbuf();
      auto not_after = crypto::CertificateNotAfter(pem.str());
      if (!not_after) continue;
      auto left =
          std::chrono::duration_cast<std::chrono::seconds>(*not_after - RealClock::Get().Now());
      telemetry::SetGauge("tls.certificate.expiry_seconds", static_cast<double>(left.count()),
                          {{"listener", address}});
    }
  };
}

void StartTelemetry(const config::ServerConfig& cfg, bool dev) {
  telemetry::Configure(TelemetryOptions(cfg, dev, Hostname()));
  if (cfg.storage && cfg.storage->type == "raft") {
    if (auto it = cfg.storage->options.find("path"); it != cfg.storage->options.end()) {
      telemetry::RegisterCollector(DiskSpaceCollector(it->second));
    }
  }
  telemetry::RegisterCollector(CertificateExpiryCollector(cfg));
  log::Info(
      "telemetry", "metrics configured",
      {{"prometheus_retention_time",
        std::to_string(TelemetryOptions(cfg, dev, "").prometheus_retention_time.count()) + "s"}});
}

}  // namespace coffer::server
