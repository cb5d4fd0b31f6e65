// The process-wide registry behind metrics.h's free functions.

#include "telemetry/metrics.h"

#include <atomic>
#include <memory>
#include <mutex>

#include "base/clock.h"
#include "telemetry/registry.h"
#include "telemetry/runtime_collector.h"

namespace coffer::telemetry {

namespace {

// g_registry is published once per Configure and never freed (a replaced registry is
// stopped and kept in g_retired), so a thread that loaded the pointer may keep using it.
std::atomic<bool> g_enabled{false};
std::atomic<Registry*> g_registry{nullptr};
std::mutex g_configure_mu;
std::vector<std::unique_ptr<Registry>>* g_retired = new std::vector<std::unique_ptr<Registry>>;

Registry* Get() {
  if (!g_enabled.load(std::memory_order_relaxed)) return nullptr;
  return g_registry.load(std::memory_order_acquire);
}

void Retire(Registry* old) {
  if (old == nullptr) return;
  old->Stop();
  g_retired->emplace_back(old);
}

}  // namespace

void Configure(const Options& options) {
  std::lock_guard<std::mutex> l(g_configure_mu);
  auto* registry = new Registry(options, RealClock::Get());
  registry->RegisterCollector(RuntimeCollector(*registry));
  Registry* old = g_registry.exchange(registry, std::memory_order_acq_rel);
  g_enabled.store(true, std::memory_order_release);
  Retire(old);
}

void ResetForTests() {
  std::lock_guard<std::mutex> l(g_configure_mu);
  g_enabled.store(false, std::memory_order_release);
  Retire(g_registry.exchange(nullptr, std::memory_order_acq_rel));
}

bool Enabled() { return Get() != nullptr; }

std::chrono::seconds UsageGaugePeriod() {
  Registry* r = Get();
  return r == nullptr ? std::chrono::seconds(600) : r->options().usage_gauge_period;
}

bool PrometheusEnabled() {
  Registry* r = Get();
  return r != nullptr && r->PrometheusEnabled();
}

void IncrCounter(std::string_view name, double value, const Labels& labels) {
  if (Registry* r = Get()) r->IncrCounter(name, value, labels);
}

void SetGauge(std::string_view name, double value, const Labels& labels) {
  if (Registry* r = Get()) r->SetGauge(name, value, labels);
}

void AddSample(std::string_view name, double milliseconds, const Labels& labels) {
  if (Registry* r = Get()) r->AddSample(name, milliseconds, labels);
}

void MeasureSince(std::string_view name, std::chrono::steady_clock::time_point start,
                  const Labels& labels) {
  Registry* r = Get();
  if (r == nullptr) return;
  std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  r->AddSample(name, elapsed.count(), labels);
}

int RegisterCollector(Collector collector) {
  Registry* r = Get();
  return r == nullptr ? 0 : r->RegisterCollector(std::move(collector));
}

void UnregisterCollector(int id) {
  if (Registry* r = Get()) r->UnregisterCollector(id);
}

std::string RenderJson() {
  Registry* r = Get();
  if (r == nullptr) {
    return R"({"Timestamp":"","Gauges":[],"Points":[],"Counters":[],"Samples":[]})";
  }
  return r->RenderJson();
}

std::string RenderPrometheus() {
  Registry* r = Get();
  return r == nullptr ? std::string() : r->RenderPrometheus();
}

}  // namespace coffer::telemetry
