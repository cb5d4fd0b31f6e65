#pragma once
// Starts telemetry from the server configuration's telemetry block (Vault's
// SetupTelemetry) and installs the server's own collectors:
//   raft_storage.disk.available_bytes / raft_storage.disk.total_bytes {path}   the raft data path's
//       file system (Coffer's names: Vault has no metric for it and points at node_exporter)
//   tls.certificate.expiry_seconds {listener}   seconds until each TLS listener's
//       certificate's notAfter (negative once expired; the file is re-read each run, so a
//       certificate replaced on disk is seen)
// Dev mode without a telemetry block gets Vault's dev defaults: Prometheus retention 24h,
// disable_hostname.

#include <string>

#include "config/config.h"
#include "telemetry/metrics.h"

namespace coffer::server {

telemetry::Options TelemetryOptions(const config::ServerConfig& cfg, bool dev,
                                    const std::string& hostname);

// Configures the process-wide registry and registers the collectors above.
void StartTelemetry(const config::ServerConfig& cfg, bool dev);

// The collectors, exposed for tests.
telemetry::Collector DiskSpaceCollector(std::string path);
telemetry::Collector CertificateExpiryCollector(const config::ServerConfig& cfg);

}  // namespace coffer::server
