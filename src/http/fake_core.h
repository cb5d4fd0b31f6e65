#pragma once
// FakeCore: a scriptable core::Core for http/ tests. Records what http/ passed in and
// answers from fields the test sets. Thread-safe (the server calls it from workers).

#include <algorithm>
#include <functional>
#include <mutex>
#include <vector>

#include "core/core.h"

namespace coffer::http {

class FakeCore final : public core::Core {
 public:
  // Test-visible state: lock mu when changing it while a server is running.
  std::mutex mu;
  bool initialized = true;
  bool sealed = false;
  core::SealStatus seal_status;
  core::HaState ha;
  std::function<Result<core::Response>(core::Request&)> on_request;
  std::vector<core::Request> requests;
  Result<core::InitResult> (*init_result)(const core::InitParams&) = nullptr;
  std::vector<core::InitParams> init_calls;
  std::vector<std::string> unseal_keys;
  int reset_calls = 0;
  Status unseal_error;
  Status seal_result;
  Status step_down_result;
  std::vector<std::string> seal_tokens;
  std::vector<std::string> step_down_tokens;

  core::SealStatus GetSealStatus() override {
    std::lock_guard<std::mutex> l(mu);
    core::SealStatus s = seal_status;
    s.initialized = initialized;
    s.sealed = sealed;
    return s;
  }
  Result<bool> IsInitialized() override {
    std::lock_guard<std::mutex> l(mu);
    return initialized;
  }
  Result<core::InitResult> Initialize(const core::InitParams& params) override {
    std::lock_guard<std::mutex> l(mu);
    init_calls.push_back(params);
    if (init_result == nullptr) return Err(Internal("no init result scripted"));
    return init_result(params);
  }
  Result<core::SealStatus> Unseal(std::string_view key) override {
    std::lock_guard<std::mutex> l(mu);
    unseal_keys.emplace_back(key);
    if (!unseal_error.ok()) return Err(unseal_error);
    core::SealStatus s = seal_status;
    s.initialized = initialized;
    s.sealed = sealed;
    s.progress = static_cast<int>(unseal_keys.size());
    return s;
  }
  void ResetUnsealProgress() override {
    std::lock_guard<std::mutex> l(mu);
    ++reset_calls;
  }
  Status SealWithRequest(core::Request& req) override {
    std::lock_guard<std::mutex> l(mu);
    seal_tokens.push_back(req.client_token);
    return seal_result;
  }
  Status StepDownWithRequest(core::Request& req) override {
    std::lock_guard<std::mutex> l(mu);
    step_down_tokens.push_back(req.client_token);
    return step_down_result;
  }
  core::HaState GetHaState() override {
    std::lock_guard<std::mutex> l(mu);
    return ha;
  }
  bool Sealed() override {
    std::lock_guard<std::mutex> l(mu);
    return sealed;
  }
  bool Standby() override {
    std::lock_guard<std::mutex> l(mu);
    return ha.standby;
  }
  Result<core::Response> HandleRequest(core::Request& req) override {
    std::function<Result<core::Response>(core::Request&)> fn;
    {
      std::lock_guard<std::mutex> l(mu);
      requests.push_back(req);
      fn = on_request;
    }
    if (fn) return fn(req);  // unlocked: it may block
    return core::Response::WithData(Json{{"path", req.path}});
  }
  // sys/storage/raft/snapshot: GET streams `snapshot_bytes` bytes of a pattern in 64 KiB
  // chunks; POST counts what it reads (and its checksum).
  uint64_t snapshot_bytes = 0;
  uint64_t restored_bytes = 0;
  uint64_t restored_sum = 0;
  Status RaftSnapshotWithRequest(core::Request&,
                                 const std::function<Status(std::string_view)>& sink) override {
    std::string chunk(64 << 10, '\0');
    for (uint64_t sent = 0; sent < snapshot_bytes;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), snapshot_bytes - sent));
      for (size_t i = 0; i < n; ++i) chunk[i] = static_cast<char>((sent + i) % 251);
      if (Status st = sink(std::string_view(chunk.data(), n)); !st.ok()) return st;
      sent += n;
    }
    return Status::Ok();
  }
  Status RaftRestoreWithRequest(core::Request&,
                                const std::function<Result<size_t>(char*, size_t)>& source,
                                bool) override {
    std::string buf(64 << 10, '\0');
    uint64_t total = 0, sum = 0;
    for (;;) {
      auto n = source(buf.data(), buf.size());
      if (!n) return n.error();
      if (*n == 0) break;
      for (size_t i = 0; i < *n; ++i) sum += static_cast<uint8_t>(buf[i]);
      total += *n;
    }
    std::lock_guard<std::mutex> l(mu);
    restored_bytes = total;
    restored_sum = sum;
    return Status::Ok();
  }

  std::string Version() override { return "1.15.0+coffer"; }
  std::chrono::system_clock::time_point Now() override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  }
};

}  // namespace coffer::http
