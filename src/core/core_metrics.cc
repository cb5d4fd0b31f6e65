// CoreImpl's metrics collector: Vault's core and usage gauges (src/core/README.md, Metrics).
#include "core/core_impl.h"
#include "telemetry/metrics.h"

namespace coffer::core {

// Vault's core and usage gauges, polled before each metrics exposition. Skips what needs
// the active state when a seal or step-down holds the state lock (the next poll has it).
void CoreImpl::EmitGauges() {
  bool unsealed = !sealed_.load();
  bool active = unsealed && !standby_.load();
  telemetry::SetGauge("core.unsealed", unsealed ? 1 : 0);
  telemetry::SetGauge("core.active", active ? 1 : 0);
  if (!active) return;
  std::shared_lock<std::shared_mutex> lock(state_mu_, std::try_to_lock);
  if (!lock.owns_lock() || sealed_.load() || standby_.load()) return;
  // token.count lists the token store: at most once per usage_gauge_period (Vault's usage
  // gauges; default 10 minutes).
  auto now = std::chrono::steady_clock::now();
  if (tokens_ && (token_count_time_ == std::chrono::steady_clock::time_point{} ||
                  now - token_count_time_ >= telemetry::UsageGaugePeriod())) {
    auto n = tokens_->CountServiceTokens();
    if (n) {
      token_count_ = *n;
      token_count_time_ = now;
    }
  }
  if (token_count_time_ != std::chrono::steady_clock::time_point{})
    telemetry::SetGauge("token.count", static_cast<double>(token_count_), {{"namespace", "root"}});
  if (expiration_) {
    auto n = expiration_->Count(std::chrono::milliseconds(0));
    if (n) telemetry::SetGauge("expire.num_leases", static_cast<double>(*n));
    telemetry::SetGauge("expire.num_irrevocable_leases",
                        static_cast<double>(expiration_->IrrevocableCount()));
  }
  if (options_.raft) {
    auto state = AutopilotState();
    if (state) {
      telemetry::SetGauge("autopilot.healthy", (*state)["healthy"].get<bool>() ? 1 : 0);
      telemetry::SetGauge("autopilot.failure_tolerance",
                          (*state)["failure_tolerance"].get<double>());
    }
  }
}

}  // namespace coffer::core
