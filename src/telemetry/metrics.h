#pragma once
// Process-wide metrics, with Vault's names (go-metrics conventions), so existing Vault
// dashboards and alert rules work unchanged.
//
// Names are given without the prefix, as dotted keys: {"core", "handle_request"} is written
// "core.handle_request" and exposed as "vault.core.handle_request" in JSON and
// "vault_core_handle_request" in Prometheus text. Three kinds, as go-metrics:
//   counter  IncrCounter   Prometheus counter
//   gauge    SetGauge      Prometheus gauge (with the hostname in the name unless
//                          disable_hostname, as go-metrics' EnableHostname does)
//   sample   AddSample / MeasureSince (milliseconds)   Prometheus summary with quantiles
//                          0.5, 0.9, 0.99 (+ _sum and _count)
// Series not updated for prometheus_retention_time are dropped from the Prometheus output.
//
// Until Configure is called every call is a cheap no-op (unit tests of other modules pay
// nothing). Thread-safety: every function may be called from any thread.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coffer::telemetry {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Options {
  std::string prefix = "vault";  // metrics_prefix
  std::string hostname;          // added to gauge names unless disable_hostname
  bool disable_hostname = false;
  bool enable_hostname_label = false;  // hostname as a "host" label instead of in the name
  std::chrono::seconds prometheus_retention_time{24 * 3600};  // 0: Prometheus output off
  std::chrono::seconds usage_gauge_period{600};  // how often collectors run (0: at each read)
  std::string statsd_address;                    // "host:port" UDP, plain statsd
  std::string dogstatsd_addr;                    // "host:port" UDP, DogStatsD tags
  std::vector<std::string> dogstatsd_tags;
  // go-metrics' filters: "+vault.token" allows, "-vault.expire" blocks every metric whose
  // full name ("vault.expire.num_leases") starts with it; the longest matching prefix
  // decides, and a name no filter matches is kept iff filter_default. (Gauges are matched
  // without the hostname go-metrics would put in their key.)
  std::vector<std::string> prefix_filter;
  bool filter_default = true;
};

// Starts the process-wide registry (and the statsd/dogstatsd sink if one is named) and
// installs the runtime collector (runtime.alloc_bytes, runtime.sys_bytes,
// runtime.num_threads). Calling it again replaces the registry (the old one stops its
// sink and is never freed, so a thread still holding it stays safe).
void Configure(const Options& options);
bool Enabled();
// The configured usage_gauge_period (how often costly usage gauges such as token.count are
// recomputed; 0: at every read). 10 minutes, Vault's default, before Configure.
std::chrono::seconds UsageGaugePeriod();
// Whether RenderPrometheus has anything to say (Configure'd with a retention above 0).
bool PrometheusEnabled();

void IncrCounter(std::string_view name, double value = 1, const Labels& labels = {});
void SetGauge(std::string_view name, double value, const Labels& labels = {});
void AddSample(std::string_view name, double milliseconds, const Labels& labels = {});
void MeasureSince(std::string_view name, std::chrono::steady_clock::time_point start,
                  const Labels& labels = {});

// A gauge source polled before each exposition (and every usage_gauge_period for sinks):
// raft state, lease and token counts, disk space, certificate expiry, runtime figures.
// The callback calls SetGauge; it must not block for long. Returns an id for Unregister.
using Collector = std::function<void()>;
int RegisterCollector(Collector collector);
void UnregisterCollector(int id);

// Times a scope: MeasureSince(name, start) when it ends. `name` must outlive it (literals).
class ScopedTimer {
 public:
  explicit ScopedTimer(std::string_view name)
      : name_(name), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() { MeasureSince(name_, start_); }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  std::string_view name_;
  std::chrono::steady_clock::time_point start_;
};

// sys/metrics: Vault's JSON shape ({"Timestamp","Gauges","Counters","Samples"}) and the
// Prometheus text exposition format (version 0.0.4).
std::string RenderJson();
std::string RenderPrometheus();

// Tests only: back to the unconfigured state (every call a no-op again).
void ResetForTests();

}  // namespace coffer::telemetry
