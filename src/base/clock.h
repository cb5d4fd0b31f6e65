#pragma once
// Clock: every wall-clock read in Coffer goes through one of these so tests can use a
// FakeClock (lease expiry, token TTLs, Raft timing) deterministically.

#include <chrono>
#include <mutex>

namespace coffer {

using TimePoint = std::chrono::system_clock::time_point;
using Seconds = std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class RealClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  // The process-wide real clock.
  static Clock& Get();
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint(std::chrono::seconds(1700000000))) : now_(start) {}
  TimePoint Now() const override {
    std::lock_guard<std::mutex> l(mu_);
    return now_;
  }
  void Advance(std::chrono::nanoseconds d) {
    std::lock_guard<std::mutex> l(mu_);
    now_ += std::chrono::duration_cast<TimePoint::duration>(d);
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
};

// RFC 3339 with nanoseconds in UTC, as Vault prints times: 2024-01-02T03:04:05.123456789Z
std::string FormatTime(TimePoint t);

}  // namespace coffer
