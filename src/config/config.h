#pragma once
// The server configuration (the file given to `coffer server -config`), in Vault's format:
// HCL or JSON with the same keys Vault documents (storage, listener, seal, telemetry, ...).
//
// Parse/Load check syntax, keys and types and report "<file>:<line>: <where>: <what>", e.g.
//   coffer.hcl:12: listener "tcp": unknown key "adress"
//   coffer.hcl:3: default_lease_ttl: invalid duration "abc"
// Validate checks the combination (storage present, TLS files named, TTL ordering, ...)
// without touching the file system or the network.
//
// Value conversions follow Vault's weak decoding: booleans may be true/false or the strings
// "true"/"false" (also 1/0, "t"/"f"); durations may be "768h", "1h30m" or integer seconds;
// integers may be numeric strings; string lists may be "a,b" or ["a", "b"].
//
// Thread-safety: the functions are pure apart from Load reading files; ServerConfig is a
// plain value, safe to share read-only.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace coffer::config {

// listener "tcp" { ... }
struct Listener {
  std::string type = "tcp";
  std::string address = "127.0.0.1:8200";
  std::string cluster_address;  // empty: the server uses address's port + 1
  bool tls_disable = false;
  std::string tls_cert_file, tls_key_file;
  std::string tls_min_version = "tls12", tls_max_version = "tls13";  // "tls10".."tls13"
  // Go-style names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (mapping them to OpenSSL
  // names is the TLS code's job). Config accepts "a,b" or a list.
  std::vector<std::string> tls_cipher_suites;
  std::string tls_client_ca_file;
  bool tls_require_and_verify_client_cert = false;
  bool tls_disable_client_certs = false;
  // 0 in the file means the default; a negative value turns the limit off (as Vault).
  int64_t max_request_size = 33554432;
  std::chrono::seconds max_request_duration{90};
  // HTTP server timeouts; 0 means none (http_idle_timeout 0 falls back to read timeouts).
  std::chrono::seconds http_idle_timeout{300};
  std::chrono::seconds http_read_header_timeout{10};
  std::chrono::seconds http_read_timeout{30};
  std::chrono::seconds http_write_timeout{0};
  // X-Forwarded-For is trusted only from these CIDRs (empty: the header is not used).
  std::vector<std::string> x_forwarded_for_authorized_addrs;
  int64_t x_forwarded_for_hop_skips = 0;
  bool x_forwarded_for_reject_not_authorized = true;
  bool x_forwarded_for_reject_not_present = true;
  // PROXY protocol v1: "" (off), "use_always", "allow_authorized", "deny_unauthorized".
  std::string proxy_protocol_behavior;
  std::vector<std::string> proxy_protocol_authorized_addrs;
  bool redact_addresses = false, redact_cluster_name = false, redact_version = false;
  bool unauthenticated_metrics_access = false;             // telemetry { ... }
  bool unauthenticated_pprof_access = false;               // profiling { ... }
  bool unauthenticated_in_flight_requests_access = false;  // inflight_requests_logging { ... }
  // custom_response_headers { "default" = { "Header" = ["v"] }, "2xx" = {...} }, as parsed.
  Json custom_response_headers;
  std::string source;  // "file:line" where the block starts, for later error messages
};

// storage "raft" { ... } (also ha_storage, and the legacy name backend).
struct Storage {
  std::string type;
  // Every option as a string, as Vault hands them to storage backends: strings as written,
  // numbers and booleans in their JSON form, nested blocks (retry_join) as JSON text.
  std::map<std::string, std::string> options;
  std::string source;
  // The block body as JSON; repeatable blocks (retry_join) are always arrays here.
  Json raw;
};

// seal "awskms" { ... }: any type name; the options are validated by the seal itself.
struct Seal {
  std::string type;
  Json options;  // the block body without `disabled`
  bool disabled = false;
  std::string source;
};

// service_registration "consul" { ... }: accepted and kept as written.
struct ServiceRegistration {
  std::string type;
  Json options;
  std::string source;
};

struct Telemetry {
  // 0 disables Prometheus. Without a telemetry block it is 0; with one, the default is 24h.
  std::chrono::seconds prometheus_retention_time{0};
  bool disable_hostname = false;
  bool enable_hostname_label = false;
  std::string statsd_address, statsite_address, dogstatsd_addr;
  std::vector<std::string> dogstatsd_tags;
  std::chrono::seconds usage_gauge_period{600};  // "none" in the file gives 0 (disabled)
  int64_t maximum_gauge_cardinality = 500;
  std::string metrics_prefix = "vault";  // Vault's names, so dashboards keep working
  std::chrono::seconds lease_metrics_epsilon{3600};
  int64_t num_lease_metrics_buckets = 168;
  bool add_lease_metrics_namespace_labels = false;
  bool add_mount_point_rollback_metrics = false;
  bool filter_default = true;
  std::vector<std::string> prefix_filter;  // "+vault.token", "-vault.expire", ...
  Json raw;                                // the whole block (circonus_*, stackdriver_* live here)
  bool present = false;
  std::string source;
};

struct ServerConfig {
  std::optional<Storage> storage;
  std::optional<Storage> ha_storage;
  std::vector<Listener> listeners;
  std::vector<Seal> seals;
  std::optional<ServiceRegistration> service_registration;
  Telemetry telemetry;
  std::string api_addr, cluster_addr, cluster_name;
  bool ui = false;
  std::string log_level = "info";       // lower-cased: trace, debug, info, warn, error, ...
  std::string log_format = "standard";  // "standard" or "json"
  std::string log_file;
  bool disable_mlock = false;
  std::chrono::seconds default_lease_ttl{768 * 3600}, max_lease_ttl{768 * 3600};
  std::chrono::seconds default_max_request_duration{90};
  std::string pid_file;
  std::string plugin_directory;
  std::string license_path;
  int64_t cache_size = 131072;
  bool disable_cache = false, raw_storage_endpoint = false, disable_clustering = false;
  bool enable_response_header_hostname = false, enable_response_header_raft_node_id = false;
  bool disable_performance_standby = false;
  bool introspection_endpoint = false;
  std::vector<std::string> files;  // the files that were read, in order
};

// Loads one or more paths (files or directories; in a directory every *.hcl and *.json file
// in name order, not recursing, skipping dot files), merging as Vault does: later files
// override the scalars they set and replace a telemetry block; listeners and seals
// accumulate; storage and ha_storage may each appear once overall. Missing or unreadable
// files and directories without config files are errors.
Result<ServerConfig> Load(const std::vector<std::string>& paths);

// Parses one file's text: JSON if the first non-space character is '{' or `filename` ends
// in ".json", HCL otherwise. `filename` is used in error messages only.
Result<ServerConfig> Parse(std::string_view text, std::string_view filename);

// Checks a loaded configuration as a whole; call it after applying environment overrides
// (VAULT_API_ADDR, ...). Pure: never looks at the file system.
//  - storage is required; raft (as storage or ha_storage) requires cluster_addr; with raft
//    storage, ha_storage and disable_clustering are not allowed;
//  - at least one listener; each tcp listener names tls_cert_file and tls_key_file unless
//    tls_disable; TLS versions are tls10..tls13 with min <= max; client-cert flags are not
//    contradictory; proxy protocol settings are consistent;
//  - default_lease_ttl <= max_lease_ttl; log_level and log_format are known;
//  - api_addr and cluster_addr, when set, are URLs (scheme://host...);
//  - at most one enabled seal (a second, disabled one is allowed for seal migration).
Status Validate(const ServerConfig& config);

}  // namespace coffer::config
