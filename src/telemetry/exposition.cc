// The two renderings of a Registry: Vault's sys/metrics JSON (go-metrics' inmem
// DisplayMetrics) and the Prometheus text exposition format 0.0.4.

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <map>

#include "base/json.h"
#include "telemetry/names.h"
#include "telemetry/registry.h"
#include "telemetry/series.h"

namespace coffer::telemetry {

namespace {

using View = Registry::SeriesView;

constexpr double kQuantiles[] = {0.5, 0.9, 0.99};

// Go's time.Time.String() in UTC, as DisplayMetrics prints the interval start:
// "2024-01-02 03:04:05 +0000 UTC".
std::string GoTimeString(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
  return std::string(buf, n);
}

Json LabelsObject(const Labels& labels) {
  Json o = Json::object();
  for (const auto& [k, v] : labels) o[k] = v;
  return o;
}

// JSON numbers cannot be NaN or infinite; go-metrics would fail to encode them, we write 0.
double Finite(double v) { return std::isfinite(v) ? v : 0; }

Json AggregateJson(const View& v, double interval_seconds) {
  const Aggregate& a = v.shown;
  return Json{{"Name", v.json_name},
              {"Count", a.count},
              {"Rate", Finite(a.sum / interval_seconds)},
              {"Sum", Finite(a.sum)},
              {"Min", Finite(a.min)},
              {"Max", Finite(a.max)},
              {"Mean", Finite(a.Mean())},
              {"Stddev", Finite(a.Stddev())},
              {"Labels", LabelsObject(v.labels)}};
}

bool ByNameThenLabels(const View* a, const View* b) {
  if (a->json_name != b->json_name) return a->json_name < b->json_name;
  return a->labels < b->labels;
}

// `{a="x",b="y"}` (empty when there are no labels), with `extra` (quantile) appended.
std::string LabelText(const Labels& labels, std::string_view extra = {}) {
  std::vector<std::pair<std::string, std::string>> named;
  named.reserve(labels.size());
  for (const auto& [k, v] : labels) named.emplace_back(PrometheusLabelName(k), v);
  std::sort(named.begin(), named.end());
  std::string out;
  for (const auto& [k, v] : named) {
    if (k == "quantile" && !extra.empty()) continue;  // reserved in summaries
    out += out.empty() ? "{" : ",";
    out += k + "=\"" + EscapeLabelValue(v) + "\"";
  }
  if (!extra.empty()) {
    out += out.empty() ? "{" : ",";
    out.append(extra);
  }
  if (!out.empty()) out += "}";
  return out;
}

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  if (rank > 0) --rank;
  return sorted[std::min(rank, sorted.size() - 1)];
}

void RenderFamily(const std::string& name, const std::vector<const View*>& members,
                  std::string& out) {
  Kind kind = members.front()->kind;
  const char* type = kind == Kind::kCounter ? "counter"
                     : kind == Kind::kGauge ? "gauge"
                                            : "summary";
  out += "# HELP " + name + " " + name + "\n";
  out += "# TYPE " + name + " " + type + "\n";
  // Sort by rendered labels; two series whose labels sanitize alike keep the first.
  std::vector<std::pair<std::string, const View*>> rows;
  for (const View* v : members) {
    if (v->kind == kind) rows.emplace_back(LabelText(v->labels), v);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0 && rows[i].first == rows[i - 1].first) continue;
    const View& v = *rows[i].second;
    if (kind != Kind::kSample) {
      out += name + rows[i].first + " " + FormatValue(v.value) + "\n";
      continue;
    }
    std::vector<double> values = v.window_values;
    std::sort(values.begin(), values.end());
    for (double q : kQuantiles) {
      std::string extra = "quantile=\"" + FormatValue(q) + "\"";
      out += name + LabelText(v.labels, extra) + " " + FormatValue(Quantile(values, q)) + "\n";
    }
    out += name + "_sum" + rows[i].first + " " + FormatValue(v.total_sum) + "\n";
    out += name + "_count" + rows[i].first + " " + std::to_string(v.total_count) + "\n";
  }
}

}  // namespace

std::string Registry::RenderJson() {
  RunCollectors();
  TimePoint now = clock_.Now();
  Prune(now);
  int64_t current = JsonIndex(now);
  // go-metrics shows the last finished interval, or the current one if it is the first.
  int64_t shown = current > start_interval_ ? current - 1 : current;
  std::vector<View> views = Snapshot(now, shown);
  std::vector<const View*> sorted;
  for (const View& v : views) sorted.push_back(&v);
  std::sort(sorted.begin(), sorted.end(), ByNameThenLabels);

  double interval_seconds = static_cast<double>(kJsonInterval.count());
  Json gauges = Json::array(), counters = Json::array(), samples = Json::array();
  for (const View* v : sorted) {
    switch (v->kind) {
      case Kind::kGauge:
        gauges.push_back({{"Name", v->json_name},
                          {"Value", Finite(v->value)},
                          {"Labels", LabelsObject(v->labels)}});
        break;
      case Kind::kCounter:
        if (v->shown.count > 0) counters.push_back(AggregateJson(*v, interval_seconds));
        break;
      case Kind::kSample:
        if (v->shown.count > 0) samples.push_back(AggregateJson(*v, interval_seconds));
        break;
    }
  }
  Json doc{{"Timestamp", GoTimeString(TimePoint(shown * kJsonInterval))},
           {"Gauges", std::move(gauges)},
           {"Points", Json::array()},
           {"Counters", std::move(counters)},
           {"Samples", std::move(samples)}};
  return doc.dump();
}

std::string Registry::RenderPrometheus() {
  if (!PrometheusEnabled()) return "";
  RunCollectors();
  TimePoint now = clock_.Now();
  Prune(now);
  std::vector<View> views = Snapshot(now, JsonIndex(now));
  // One family per name; if a name is used by two kinds, the first kind (counter, gauge,
  // sample) wins and the other series are left out, so the output stays valid.
  std::map<std::string, std::vector<const View*>> families;
  for (const View& v : views) {
    if (now - v.last_update > options_.prometheus_retention_time) continue;
    families[v.prom_name].push_back(&v);
  }
  std::string out;
  for (auto& [name, members] : families) {
    std::sort(members.begin(), members.end(),
              [](const View* a, const View* b) { return a->kind < b->kind; });
    RenderFamily(name, members, out);
  }
  return out;
}

}  // namespace coffer::telemetry
