#pragma once
// Test harness for the K/V engines: a backend over in-memory storage with a FakeClock.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "base/clock.h"
#include "core/backend.h"
#include "engines/kv/kv.h"
#include "storage/inmem/inmem.h"

namespace coffer::engines::kv {

class FakeSystemView final : public core::SystemView {
 public:
  std::chrono::seconds DefaultLeaseTtl() const override { return std::chrono::hours(768); }
  std::chrono::seconds MaxLeaseTtl() const override { return std::chrono::hours(768); }
};

class KvHarness {
 public:
  explicit KvHarness(const std::string& version, storage::Backend* storage = nullptr)
      : storage_(storage != nullptr ? storage : &inmem_) {
    core::BackendConfig config;
    config.mount_path = "secret/";
    config.type = "kv";
    if (!version.empty()) config.options["version"] = version;
    config.storage = storage_;
    config.system = &system_;
    config.clock = &clock_;
    auto b = Factory(config);
    EXPECT_TRUE(b.has_value()) << b.error().ToString();
    backend_ = std::move(*b);
  }

  Result<core::Response> Do(core::Operation op, const std::string& path, Json data = Json::object(),
                            std::map<std::string, std::string> query = {}) {
    core::Request req;
    req.operation = op;
    req.path = path;
    req.data = std::move(data);
    req.query = std::move(query);
    req.storage = storage_;
    req.mount_point = "secret/";
    req.mount_type = "kv";
    return backend_->HandleRequest(req);
  }
  Result<core::Response> Read(const std::string& path,
                              std::map<std::string, std::string> query = {}) {
    return Do(core::Operation::kRead, path, Json::object(), std::move(query));
  }
  Result<core::Response> Write(const std::string& path, Json data) {
    return Do(core::Operation::kUpdate, path, std::move(data));
  }
  Result<bool> Exists(const std::string& path) {
    core::Request req;
    req.operation = core::Operation::kCreate;
    req.path = path;
    req.storage = storage_;
    auto e = backend_->ExistenceCheck(req);
    if (!e) return Err(e.error());
    EXPECT_TRUE(e->checked);
    return e->exists;
  }

  FakeClock& clock() { return clock_; }
  storage::Backend& storage() { return *storage_; }
  core::Backend& backend() { return *backend_; }

 private:
  FakeClock clock_;
  FakeSystemView system_;
  storage::InmemBackend inmem_;
  storage::Backend* storage_;
  std::unique_ptr<core::Backend> backend_;
};

}  // namespace coffer::engines::kv
