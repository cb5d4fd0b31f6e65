#include "telemetry/registry.h"

#include <algorithm>
#include <cmath>

#include "base/log.h"
#include "telemetry/names.h"
#include "telemetry/series.h"
#include "telemetry/statsd_sink.h"

namespace coffer::telemetry {

namespace {

int64_t IndexOf(TimePoint t, std::chrono::seconds width) {
  auto d = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch());
  return d.count() / width.count();
}

uint64_t NextRandom(uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

// The identity of a series: kind, name and labels (sorted), with separators that cannot
// appear in sane names.
std::string SeriesKey(Kind kind, std::string_view name, const Labels& sorted) {
  std::string key;
  key.reserve(name.size() + 2 + sorted.size() * 16);
  key.push_back(static_cast<char>('0' + static_cast<int>(kind)));
  key.append(name);
  for (const auto& [k, v] : sorted) {
    key.push_back('\x1f');
    key.append(k);
    key.push_back('\x1e');
    key.append(v);
  }
  return key;
}

}  // namespace

void Aggregate::Add(double v) {
  if (count == 0 || v < min) min = v;
  if (count == 0 || v > max) max = v;
  ++count;
  sum += v;
  sum_sq += v * v;
}

double Aggregate::Stddev() const {
  double n = static_cast<double>(count);
  double num = n * sum_sq - sum * sum;
  double div = n * (n - 1);
  if (div == 0) return 0;
  return std::sqrt(num / div);
}

Registry::Registry(Options options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      start_interval_(IndexOf(clock.Now(), kJsonInterval)) {
  if (!options_.statsd_address.empty()) {
    auto sink = MakeStatsdSink(options_, /*dogstatsd=*/false);
    if (sink.has_value()) {
      sinks_.push_back(std::move(*sink));
    } else {
      log::Warn("telemetry", "statsd sink disabled: " + sink.error().message());
    }
  }
  if (!options_.dogstatsd_addr.empty()) {
    auto sink = MakeStatsdSink(options_, /*dogstatsd=*/true);
    if (sink.has_value()) {
      sinks_.push_back(std::move(*sink));
    } else {
      log::Warn("telemetry", "dogstatsd sink disabled: " + sink.error().message());
    }
  }
  if (!sinks_.empty()) flusher_ = std::thread([this] { FlusherLoop(); });
}

Registry::~Registry() { Stop(); }

void Registry::AddSinkForTests(std::unique_ptr<Sink> sink) { sinks_.push_back(std::move(sink)); }

void Registry::Stop() {
  {
    std::lock_guard<std::mutex> l(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  for (auto& s : sinks_) s->Flush();
}

// Flushes the sinks every 100 ms (go-metrics' statsd flush interval) and runs the
// collectors every usage_gauge_period, so statsd receives the usage gauges.
void Registry::FlusherLoop() {
  auto next_collect = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> l(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(l, std::chrono::milliseconds(100));
    if (stopping_) break;
    l.unlock();
    if (options_.usage_gauge_period.count() > 0 &&
        std::chrono::steady_clock::now() >= next_collect) {
      RunCollectors();
      next_collect = std::chrono::steady_clock::now() + options_.usage_gauge_period;
    }
    for (auto& s : sinks_) s->Flush();
    l.lock();
  }
}

int64_t Registry::JsonIndex(TimePoint t) const { return IndexOf(t, kJsonInterval); }

void Registry::IncrCounter(std::string_view name, double value, const Labels& labels) {
  Update(Kind::kCounter, name, value, labels);
}

void Registry::SetGauge(std::string_view name, double value, const Labels& labels) {
  Update(Kind::kGauge, name, value, labels);
}

void Registry::AddSample(std::string_view name, double milliseconds, const Labels& labels) {
  Update(Kind::kSample, name, milliseconds, labels);
}

Registry::Series& Registry::FindOrCreate(Kind kind, std::string_view name, const Labels& labels,
                                         std::shared_lock<std::shared_mutex>& lock) {
  Labels sorted;
  const Labels* ls = &labels;
  if (labels.size() > 1 && !std::is_sorted(labels.begin(), labels.end())) {
    sorted = labels;
    std::sort(sorted.begin(), sorted.end());
    ls = &sorted;
  }
  std::string key = SeriesKey(kind, name, *ls);
  if (auto it = series_.find(key); it != series_.end()) return *it->second;

  // First update of this series: build it, insert under the exclusive lock, then go back
  // to the shared lock (the entry cannot go away before Prune, which we now block).
  auto s = std::make_unique<Series>();
  s->kind = kind;
  s->labels = *ls;
  std::string json = options_.prefix;
  if (kind == Kind::kGauge && !options_.hostname.empty() && !options_.disable_hostname) {
    if (options_.enable_hostname_label) {
      s->labels.emplace_back("host", options_.hostname);
      std::sort(s->labels.begin(), s->labels.end());
    } else {
      json += "." + options_.hostname;
    }
  }
  json += ".";
  json.append(name);
  s->json_name = json;
  std::replace(json.begin(), json.end(), '.', '_');
  s->prom_name = PrometheusName(json);
  s->last_update = clock_.Now();
  s->cur_index = JsonIndex(s->last_update);

  lock.unlock();
  {
    std::unique_lock<std::shared_mutex> w(map_mu_);
    series_.try_emplace(key, std::move(s));
  }
  lock.lock();
  return *series_.at(key);
}

bool Registry::Allowed(std::string_view name) const {
  if (options_.prefix_filter.empty()) return options_.filter_default;
  std::string full = options_.prefix + "." + std::string(name);
  bool allowed = options_.filter_default;
  size_t longest = 0;
  bool matched = false;
  for (const std::string& f : options_.prefix_filter) {
    if (f.size() < 2 || (f[0] != '+' && f[0] != '-')) continue;
    std::string_view p = std::string_view(f).substr(1);
    if (full.compare(0, p.size(), p) != 0 || (matched && p.size() <= longest)) continue;
    matched = true;
    longest = p.size();
    allowed = f[0] == '+';
  }
  return allowed;
}

void Registry::Update(Kind kind, std::string_view name, double value, const Labels& labels) {
  if (!Allowed(name)) return;
  TimePoint now = clock_.Now();
  {
    std::shared_lock<std::shared_mutex> lock(map_mu_);
    Series& s = FindOrCreate(kind, name, labels, lock);
    std::lock_guard<std::mutex> l(s.mu);
    s.last_update = now;
    int64_t idx = JsonIndex(now);
    if (idx != s.cur_index) {
      s.prev_valid = idx == s.cur_index + 1;
      s.prev = s.prev_valid ? s.cur : Aggregate{};
      s.cur = Aggregate{};
      s.cur_index = idx;
    }
    s.cur.Add(value);
    switch (kind) {
      case Kind::kCounter:
        s.value += value;
        break;
      case Kind::kGauge:
        s.value = value;
        break;
      case Kind::kSample: {
        s.total_sum += value;
        ++s.total_count;
        int64_t b = IndexOf(now, kWindowBucketWidth);
        WindowBucket& wb = s.window[static_cast<size_t>(b % kWindowBuckets)];
        if (wb.index != b) {
          wb.index = b;
          wb.seen = 0;
          wb.values.clear();
        }
        ++wb.seen;
        if (wb.values.size() < kMaxPerBucket) {
          wb.values.push_back(value);
        } else {
          // Reservoir sampling: keep each of the `seen` observations with equal chance.
          uint64_t r = NextRandom(s.rng) % wb.seen;
          if (r < kMaxPerBucket) wb.values[r] = value;
        }
        break;
      }
    }
  }
  for (auto& sink : sinks_) sink->Emit(kind, name, value, labels);
}

int Registry::RegisterCollector(Collector collector) {
  std::lock_guard<std::mutex> l(collectors_mu_);
  int id = next_collector_id_++;
  collectors_[id] = std::make_shared<const Collector>(std::move(collector));
  return id;
}

void Registry::UnregisterCollector(int id) {
  {
    std::lock_guard<std::mutex> l(collectors_mu_);
    collectors_.erase(id);
  }
  // A run that copied the list before the erase may still be calling it: wait for it, so
  // the caller may destroy what the collector uses once this returns.
  std::lock_guard<std::mutex> r(run_mu_);
}

void Registry::RunCollectors() {
  // One run at a time: collectors need not be reentrant, and UnregisterCollector can wait.
  std::lock_guard<std::mutex> r(run_mu_);
  std::vector<std::shared_ptr<const Collector>> run;
  {
    std::lock_guard<std::mutex> l(collectors_mu_);
    for (const auto& [id, c] : collectors_) run.push_back(c);
  }
  for (const auto& c : run) (*c)();
}

std::vector<Registry::SeriesView> Registry::Snapshot(TimePoint now, int64_t json_index) {
  std::vector<SeriesView> out;
  int64_t window_from = IndexOf(now, kWindowBucketWidth) - kWindowBuckets + 1;
  std::shared_lock<std::shared_mutex> lock(map_mu_);
  out.reserve(series_.size());
  for (const auto& [key, sp] : series_) {
    Series& s = *sp;
    std::lock_guard<std::mutex> l(s.mu);
    SeriesView v{s.kind,  s.json_name, s.prom_name,   s.labels,    s.last_update,
                 s.value, s.total_sum, s.total_count, Aggregate{}, {}};
    if (s.cur_index == json_index) {
      v.shown = s.cur;
    } else if (s.cur_index == json_index + 1 && s.prev_valid) {
      v.shown = s.prev;
    }
    if (s.kind == Kind::kSample) {
      for (const WindowBucket& wb : s.window) {
        if (wb.index >= window_from) {
          v.window_values.insert(v.window_values.end(), wb.values.begin(), wb.values.end());
        }
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

void Registry::Prune(TimePoint now) {
  // With Prometheus off nothing needs a series beyond the JSON interval it is shown in,
  // except gauges (set rarely, shown with their last value).
  auto retention = options_.prometheus_retention_time;
  bool keep_gauges = retention.count() <= 0;
  if (keep_gauges) retention = std::chrono::minutes(1);
  std::unique_lock<std::shared_mutex> lock(map_mu_);
  for (auto it = series_.begin(); it != series_.end();) {
    Series& s = *it->second;
    bool expired;
    {
      std::lock_guard<std::mutex> l(s.mu);
      expired = now - s.last_update > retention && !(keep_gauges && s.kind == Kind::kGauge);
    }
    it = expired ? series_.erase(it) : std::next(it);
  }
}

}  // namespace coffer::telemetry
