#pragma once
// One time series of the Registry and its rendering snapshot (private to telemetry/).
//
// Invariants: `window` holds only observations of the last kWindowBuckets bucket widths
// once pruned by time at read; `cur`/`prev` are the aggregates of JSON intervals
// cur_index and cur_index - 1 (prev is empty unless prev_valid).

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "telemetry/registry.h"

namespace coffer::telemetry {

// go-metrics' AggregateSample: count, sum, sum of squares, min, max over an interval.
struct Aggregate {
  uint64_t count = 0;
  double sum = 0, sum_sq = 0, min = 0, max = 0;
  void Add(double v);
  double Mean() const { return count == 0 ? 0 : sum / static_cast<double>(count); }
  double Stddev() const;  // sample standard deviation, as go-metrics computes it
};

struct WindowBucket {
  int64_t index = -1;  // time / kWindowBucketWidth; -1: never used
  uint64_t seen = 0;   // observations offered to this bucket (for reservoir sampling)
  std::vector<double> values;
};

struct Registry::Series {
  Kind kind = Kind::kCounter;
  std::string json_name;  // "vault.core.handle_request"
  std::string prom_name;  // "vault_core_handle_request"
  Labels labels;          // sorted by name, as given (JSON and statsd use them raw)

  std::mutex mu;
  TimePoint last_update;  // guarded by mu (as is everything below)
  double value = 0;       // gauge: last value; counter: running total
  double total_sum = 0;   // sample: running sum and count (Prometheus _sum/_count)
  uint64_t total_count = 0;
  int64_t cur_index = 0;  // JSON interval of `cur`
  Aggregate cur, prev;
  bool prev_valid = false;
  std::array<WindowBucket, Registry::kWindowBuckets> window;
  uint64_t rng = 0x9E3779B97F4A7C15ull;  // xorshift state for reservoir replacement
};

// What the renderers need, copied under the series lock.
struct Registry::SeriesView {
  Kind kind;
  std::string json_name, prom_name;
  Labels labels;
  TimePoint last_update;
  double value;
  double total_sum;
  uint64_t total_count;
  Aggregate shown;  // the JSON interval being displayed (count 0: nothing in it)
  std::vector<double> window_values;
};

}  // namespace coffer::telemetry
