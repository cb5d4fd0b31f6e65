#pragma once
// Registry: the series store behind the global functions of metrics.h. Tests make their
// own instance with a FakeClock; the process-wide one is made by telemetry::Configure.
//
// Invariants:
//  - A series is identified by (kind, name, labels sorted by name); its exposed names are
//    fixed when it is created: JSON "<prefix>[.<host>].<name>", Prometheus the same joined
//    with "_" and sanitized (see names.h). The hostname goes into gauge names only.
//  - Memory is bounded per series: a sample keeps at most kWindowBuckets x
//    kMaxPerBucket observations for its quantiles (a 10 s sliding window, as go-metrics'
//    Prometheus summaries with MaxAge 10 s), plus fixed-size aggregates.
//  - Series not updated for prometheus_retention_time leave the Prometheus output and are
//    dropped from memory at the next render.
//
// Thread-safety: every method may be called from any thread. The hot path (one update)
// takes the series map's shared_mutex in shared mode and the series' own mutex; only the
// first update of a new series and the pruning at render time take it exclusively.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "telemetry/metrics.h"

namespace coffer::telemetry {

enum class Kind { kCounter = 0, kGauge = 1, kSample = 2 };

// Receives every update as it is made (the statsd and dogstatsd sinks). `name` is the key
// without prefix or hostname ("core.handle_request"). Must be cheap and never block long.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void Emit(Kind kind, std::string_view name, double value, const Labels& labels) = 0;
  // Sends what is buffered. Called by the registry's flusher thread.
  virtual void Flush() = 0;
};

class Registry {
 public:
  static constexpr int kWindowBuckets = 5;
  static constexpr std::chrono::seconds kWindowBucketWidth{2};  // 5 x 2 s = 10 s window
  static constexpr size_t kMaxPerBucket = 512;
  static constexpr std::chrono::seconds kJsonInterval{10};  // go-metrics inmem interval

  // Creates the statsd/dogstatsd sinks named in `options` (errors are logged; the registry
  // works without them) and, if there is one, a flusher thread.
  Registry(Options options, const Clock& clock);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  void IncrCounter(std::string_view name, double value, const Labels& labels);
  void SetGauge(std::string_view name, double value, const Labels& labels);
  void AddSample(std::string_view name, double milliseconds, const Labels& labels);

  int RegisterCollector(Collector collector);
  // Once it returns the collector is not running and will not run again.
  void UnregisterCollector(int id);
  // Runs every registered collector, one run at a time (outside the series locks).
  void RunCollectors();

  // Both run the collectors first and drop expired series.
  std::string RenderJson();
  std::string RenderPrometheus();  // "" when Prometheus is disabled
  bool PrometheusEnabled() const { return options_.prometheus_retention_time.count() > 0; }

  // Replaces the sinks (tests); takes effect for later updates. Not thread-safe against
  // concurrent updates: call before use.
  void AddSinkForTests(std::unique_ptr<Sink> sink);
  // Stops the flusher thread after a last flush. Idempotent; the destructor calls it.
  void Stop();

  const Options& options() const { return options_; }
  const Clock& clock() const { return clock_; }

  struct Series;
  struct SeriesView;  // a snapshot taken under the series lock, for rendering

 private:
  void Update(Kind kind, std::string_view name, double value, const Labels& labels);
  // prefix_filter / filter_default for the full name "<prefix>.<name>".
  bool Allowed(std::string_view name) const;
  Series& FindOrCreate(Kind kind, std::string_view name, const Labels& labels,
                       std::shared_lock<std::shared_mutex>& lock);
  // Copies every series; `shown` is the aggregate of JSON interval `json_index`.
  std::vector<SeriesView> Snapshot(TimePoint now, int64_t json_index);
  // Forgets series not updated within the retention (see README.md).
  void Prune(TimePoint now);
  int64_t JsonIndex(TimePoint t) const;
  void FlusherLoop();

  const Options options_;
  const Clock& clock_;
  const int64_t start_interval_;  // the JSON interval index at construction

  std::shared_mutex map_mu_;
  std::unordered_map<std::string, std::unique_ptr<Series>> series_;  // guarded by map_mu_

  std::mutex run_mu_;  // held while collectors run (serialises runs; Unregister waits on it)
  std::mutex collectors_mu_;
  int next_collector_id_ = 1;
  std::map<int, std::shared_ptr<const Collector>> collectors_;  // guarded by collectors_mu_

  std::vector<std::unique_ptr<Sink>> sinks_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_
  std::thread flusher_;
};

}  // namespace coffer::telemetry
