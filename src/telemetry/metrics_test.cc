#include "telemetry/metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "base/clock.h"
#include "base/json.h"
#include "telemetry/names.h"
#include "telemetry/registry.h"
#include "telemetry/reply.h"

namespace coffer::telemetry {
namespace {

using std::chrono::seconds;

Options TestOptions() {
  Options o;
  o.hostname = "node-1";
  o.prometheus_retention_time = seconds(60);
  return o;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Names, SanitizeAsGoMetrics) {
  EXPECT_EQ(PrometheusName("vault_core_handle-request"), "vault_core_handle_request");
  EXPECT_EQ(PrometheusName("a/b=c d"), "a_b_c_d");
  EXPECT_EQ(PrometheusName("9lives"), "_9lives");
  EXPECT_EQ(PrometheusLabelName("mount:point"), "mount_point");
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(FormatValue(1.5), "1.5");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(Registry, CounterNamesInJsonAndPrometheus) {
  FakeClock clock;
  Registry r(TestOptions(), clock);
  r.IncrCounter("core.handle_request", 1, {});
  r.IncrCounter("core.handle_request", 2, {});
  std::string prom = r.RenderPrometheus();
  EXPECT_TRUE(Contains(prom, "# TYPE vault_core_handle_request counter\n")) << prom;
  EXPECT_TRUE(Contains(prom, "\nvault_core_handle_request 3\n")) << prom;
  Json j = Json::parse(r.RenderJson());
  ASSERT_EQ(j["Counters"].size(), 1u);
  EXPECT_EQ(j["Counters"][0]["Name"], "vault.core.handle_request");
  EXPECT_EQ(j["Counters"][0]["Count"], 2);
  EXPECT_EQ(j["Counters"][0]["Sum"], 3.0);
  EXPECT_EQ(j["Counters"][0]["Min"], 1.0);
  EXPECT_EQ(j["Counters"][0]["Max"], 2.0);
  EXPECT_DOUBLE_EQ(j["Counters"][0]["Rate"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(j["Counters"][0]["Mean"].get<double>(), 1.5);
  EXPECT_TRUE(j["Counters"][0]["Labels"].is_object());
}

// go-metrics' prefix_filter: the longest matching prefix of the full name decides.
TEST(Registry, PrefixFilterAllowsAndBlocksByLongestPrefix) {
  FakeClock clock;
  Options o = TestOptions();
  o.disable_hostname = true;
  o.prefix_filter = {"-vault.expire", "+vault.expire.num_leases", "-vault.token.creation"};
  Registry r(o, clock);
  r.SetGauge("expire.num_leases", 5, {});
  r.AddSample("expire.revoke", 1, {});
  r.IncrCounter("token.creation", 1, {});
  r.IncrCounter("token.creation_other", 1, {});  // "-vault.token.creation" is a prefix of it
  r.IncrCounter("core.handle_request", 1, {});
  std::string prom = r.RenderPrometheus();
  EXPECT_TRUE(Contains(prom, "\nvault_expire_num_leases 5\n")) << prom;
  EXPECT_FALSE(Contains(prom, "vault_expire_revoke")) << prom;
  EXPECT_FALSE(Contains(prom, "vault_token_creation")) << prom;
  EXPECT_TRUE(Contains(prom, "vault_core_handle_request")) << prom;

  o.prefix_filter = {"+vault.core"};
  o.filter_default = false;  // only what a "+" filter names
  Registry only_core(o, clock);
  only_core.IncrCounter("core.handle_request", 1, {});
  only_core.IncrCounter("token.creation", 1, {});
  prom = only_core.RenderPrometheus();
  EXPECT_TRUE(Contains(prom, "vault_core_handle_request")) << prom;
  EXPECT_FALSE(Contains(prom, "vault_token_creation")) << prom;
}

TEST(Registry, GaugesCarryTheHostnameUnlessDisabled) {
  FakeClock clock;
  Registry r(TestOptions(), clock);
  r.SetGauge("core.unsealed", 1, {});
  EXPECT_TRUE(Contains(r.RenderPrometheus(), "\nvault_node_1_core_unsealed 1\n"));
  Json j = Json::parse(r.RenderJson());
  ASSERT_EQ(j["Gauges"].size(), 1u);
  EXPECT_EQ(j["Gauges"][0]["Name"], "vault.node-1.core.unsealed");
  EXPECT_EQ(j["Gauges"][0]["Value"], 1.0);

  Options o = TestOptions();
  o.disable_hostname = true;
  Registry r2(o, clock);
  r2.SetGauge("core.unsealed", 1, {});
  EXPECT_TRUE(Contains(r2.RenderPrometheus(), "\nvault_core_unsealed 1\n"));

  o = TestOptions();
  o.enable_hostname_label = true;
  Registry r3(o, clock);
  r3.SetGauge("core.unsealed", 1, {});
  EXPECT_TRUE(Contains(r3.RenderPrometheus(), "\nvault_core_unsealed{host=\"node-1\"} 1\n"));
}

TEST(Registry, SummaryQuantilesOverASlidingWindow) {
  FakeClock clock;
  Registry r(TestOptions(), clock);
  for (int i = 1; i <= 100; ++i) r.AddSample("core.handle_request", i, {{"method", "GET"}});
  std::string prom = r.RenderPrometheus();
  EXPECT_TRUE(Contains(prom, "# TYPE vault_core_handle_request summary\n")) << prom;
  EXPECT_TRUE(Contains(prom, "vault_core_handle_request{method=\"GET\",quantile=\"0.5\"} 50\n"));
  EXPECT_TRUE(Contains(prom, "vault_core_handle_request{method=\"GET\",quantile=\"0.9\"} 90\n"));
  EXPECT_TRUE(Contains(prom, "vault_core_handle_request{method=\"GET\",quantile=\"0.99\"} 99\n"));
  EXPECT_TRUE(Contains(prom, "vault_core_handle_request_sum{method=\"GET\"} 5050\n"));
  EXPECT_TRUE(Contains(prom, "vault_core_handle_request_count{method=\"GET\"} 100\n"));

  // Past the 10 s window the quantiles have no observations; _sum and _count keep counting.
  clock.Advance(seconds(11));
  r.AddSample("core.handle_request", 7, {{"method", "GET"}});
  prom = r.RenderPrometheus();
  EXPECT_TRUE(Contains(prom, "{method=\"GET\",quantile=\"0.99\"} 7\n")) << prom;
  EXPECT_TRUE(Contains(prom, "vault_core_handle_request_count{method=\"GET\"} 101\n"));
  clock.Advance(seconds(11));
  prom = r.RenderPrometheus();
  EXPECT_TRUE(Contains(prom, "{method=\"GET\",quantile=\"0.5\"} NaN\n")) << prom;
}

TEST(Registry, WindowMemoryIsBounded) {
  FakeClock clock;
  Registry r(TestOptions(), clock);
  for (int i = 0; i < 100000; ++i) r.AddSample("x", 1, {});
  std::string prom = r.RenderPrometheus();
  EXPECT_TRUE(Contains(prom, "vault_x_count 100000\n"));
  EXPECT_TRUE(Contains(prom, "vault_x{quantile=\"0.5\"} 1\n"));
}

TEST(Registry, SeriesPastRetentionLeaveThePrometheusOutput) {
  FakeClock clock;
  Registry r(TestOptions(), clock);
  r.IncrCounter("old", 1, {});
  clock.Advance(seconds(45));
  r.IncrCounter("fresh", 1, {});
  clock.Advance(seconds(30));  // old: 75 s > 60 s retention; fresh: 30 s
  std::string prom = r.RenderPrometheus();
  EXPECT_FALSE(Contains(prom, "vault_old")) << prom;
  EXPECT_TRUE(Contains(prom, "vault_fresh 1")) << prom;
}

TEST(Registry, PrometheusOffWithZeroRetention) {
  FakeClock clock;
  Options o = TestOptions();
  o.prometheus_retention_time = seconds(0);
  Registry r(o, clock);
  r.IncrCounter("c", 1, {});
  EXPECT_FALSE(r.PrometheusEnabled());
  EXPECT_EQ(r.RenderPrometheus(), "");
  EXPECT_EQ(Json::parse(r.RenderJson())["Counters"].size(), 1u);
}

TEST(Registry, JsonShowsTheLastFinishedInterval) {
  FakeClock clock(TimePoint(seconds(1700000000)));  // a multiple of 10 s
  Registry r(TestOptions(), clock);
  r.AddSample("s", 4, {{"a", "b"}});
  Json j = Json::parse(r.RenderJson());
  EXPECT_EQ(j["Timestamp"], "2023-11-14 22:13:20 +0000 UTC");
  ASSERT_EQ(j["Samples"].size(), 1u);  // first interval: the current one is shown
  EXPECT_EQ(j["Samples"][0]["Labels"]["a"], "b");
  EXPECT_TRUE(j["Points"].is_array());

  clock.Advance(seconds(10));
  r.AddSample("s", 6, {{"a", "b"}});
  r.AddSample("s", 8, {{"a", "b"}});
  j = Json::parse(r.RenderJson());
  EXPECT_EQ(j["Timestamp"], "2023-11-14 22:13:20 +0000 UTC");
  ASSERT_EQ(j["Samples"].size(), 1u);
  EXPECT_EQ(j["Samples"][0]["Count"], 1);  // the finished interval held one sample

  clock.Advance(seconds(10));
  j = Json::parse(r.RenderJson());
  ASSERT_EQ(j["Samples"].size(), 1u);
  EXPECT_EQ(j["Samples"][0]["Count"], 2);
  EXPECT_DOUBLE_EQ(j["Samples"][0]["Stddev"].get<double>(), std::sqrt(2.0));

  clock.Advance(seconds(20));
  EXPECT_EQ(Json::parse(r.RenderJson())["Samples"].size(), 0u);
}

TEST(Registry, CollectorsRunBeforeEachRender) {
  FakeClock clock;
  Registry r(TestOptions(), clock);
  int calls = 0;
  int id = r.RegisterCollector([&] { r.SetGauge("token.count", ++calls, {}); });
  EXPECT_TRUE(Contains(r.RenderPrometheus(), "vault_node_1_token_count 1\n"));
  EXPECT_TRUE(Contains(r.RenderPrometheus(), "vault_node_1_token_count 2\n"));
  r.UnregisterCollector(id);
  r.RenderJson();
  EXPECT_EQ(calls, 2);
}

TEST(Registry, ConcurrentUpdatesAreAllCounted) {
  FakeClock clock;
  Registry r(TestOptions(), clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&r, t] {
      for (int i = 0; i < 5000; ++i) {
        r.IncrCounter("c", 1, {{"t", std::to_string(i % 3)}});
        r.AddSample("s", t, {});
      }
    });
  }
  std::thread renderer([&r] {
    for (int i = 0; i < 20; ++i) r.RenderPrometheus();
  });
  for (auto& th : threads) th.join();
  renderer.join();
  std::string prom = r.RenderPrometheus();
  EXPECT_TRUE(Contains(prom, "vault_s_count 20000\n")) << prom;
  EXPECT_TRUE(Contains(prom, "vault_c{t=\"0\"} 6668\n")) << prom;
}

// A registry with every kind, labels needing escaping, and names needing sanitizing.
std::string EveryKind(FakeClock& clock) {
  Registry r(TestOptions(), clock);
  r.IncrCounter("requests_total", 3, {{"path", "a\\b\"c\nd"}, {"mount-point", "secret/"}});
  r.IncrCounter("requests_total", 1, {});
  r.SetGauge("core.unsealed", 1, {});
  r.SetGauge("tls.expiry_seconds", -5, {{"listener", "127.0.0.1:8200"}});
  r.AddSample("core.handle_request", 12.5, {{"method", "GET"}});
  r.AddSample("core.handle_request", 1, {{"method", "PUT"}});
  r.AddSample("barrier.get", 0.25, {});
  r.AddSample("sample.empty", 1, {});
  clock.Advance(seconds(30));  // sample.empty: NaN quantiles, still within retention
  r.IncrCounter("requests_total", 1, {});
  return r.RenderPrometheus();
}

TEST(Registry, EscapesLabelValues) {
  FakeClock clock;
  std::string prom = EveryKind(clock);
  EXPECT_TRUE(
      Contains(prom, "vault_requests_total{mount_point=\"secret/\",path=\"a\\\\b\\\"c\\nd\"} 3\n"))
      << prom;
}

TEST(Registry, PromtoolAcceptsTheOutput) {
  if (access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/promtool";
  FakeClock clock;
  std::string prom = EveryKind(clock);
  char path[] = "/tmp/coffer_metrics_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, prom.data(), prom.size()), static_cast<ssize_t>(prom.size()));
  close(fd);
  std::string cmd = std::string("/usr/bin/promtool check metrics < ") + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[256];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) output.append(buf, n);
  int rc = pclose(p);
  unlink(path);
  EXPECT_EQ(rc, 0) << output << "\n--- input ---\n" << prom;
}

TEST(Global, NoOpUntilConfigured) {
  ResetForTests();
  EXPECT_FALSE(Enabled());
  IncrCounter("c");
  SetGauge("g", 1);
  MeasureSince("s", std::chrono::steady_clock::now());
  EXPECT_EQ(RegisterCollector([] {}), 0);
  EXPECT_EQ(RenderPrometheus(), "");
  EXPECT_EQ(Json::parse(RenderJson())["Counters"].size(), 0u);

  Options o = TestOptions();
  Configure(o);
  EXPECT_TRUE(Enabled());
  EXPECT_TRUE(PrometheusEnabled());
  MeasureSince("core.handle_request", std::chrono::steady_clock::now());
  std::string prom = RenderPrometheus();
  EXPECT_TRUE(Contains(prom, "vault_core_handle_request_count 1\n")) << prom;
  EXPECT_TRUE(Contains(prom, "vault_node_1_runtime_alloc_bytes ")) << prom;
  EXPECT_TRUE(Contains(prom, "vault_node_1_runtime_num_threads ")) << prom;
  EXPECT_TRUE(Contains(prom, "vault_node_1_runtime_sys_bytes ")) << prom;
  ResetForTests();
  EXPECT_FALSE(Enabled());
}

TEST(Reply, VaultStatusesAndContentTypes) {
  ResetForTests();
  Options o = TestOptions();
  o.prometheus_retention_time = seconds(0);
  Configure(o);
  MetricsReply r = ReplyForFormat("prometheus");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.content_type, "text/plain");
  EXPECT_EQ(r.body, "prometheus is not enabled");
  r = ReplyForFormat("xml");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.body, "metric response format \"xml\" unknown");
  r = ReplyForFormat("");
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_TRUE(Json::parse(r.body).contains("Gauges"));

  Configure(TestOptions());
  r = ReplyForFormat("prometheus");
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(Contains(r.body, "# TYPE vault_node_1_runtime_num_threads gauge"));
  ResetForTests();

  EXPECT_EQ(FormatFromAccept("application/openmetrics-text;version=1.0.0"), "prometheus");
  EXPECT_EQ(FormatFromAccept("text/plain, prometheus/telemetry;q=0.5"), "prometheus");
  EXPECT_EQ(FormatFromAccept("application/json"), "");
}

}  // namespace
}  // namespace coffer::telemetry
