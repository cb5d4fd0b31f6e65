// AuditBroker: Vault's broker semantics (no device → ok; ok when any device wrote the
// entry; refused when none did), hashing by path and reload.
#include "core/audit_broker.h"

#include <gtest/gtest.h>

namespace coffer::core {
namespace {

class CountingDevice final : public AuditDevice {
 public:
  explicit CountingDevice(bool fail) : fail_(fail) {}
  Status LogRequest(const AuditInput&) override { return Write(); }
  Status LogResponse(const AuditInput&) override { return Write(); }
  std::string Hash(std::string_view input) const override {
    return "hmac-sha256:" + std::string(input);
  }
  Status Reload() override {
    ++reloads;
    return fail_ ? IoError("cannot reopen") : Status::Ok();
  }
  int writes = 0;
  int reloads = 0;

 private:
  Status Write() {
    if (fail_) return IoError("disk full");
    ++writes;
    return Status::Ok();
  }
  bool fail_;
};

std::shared_ptr<AuditBackend> Backend(const std::string& path, bool fail, CountingDevice** out) {
  auto b = std::make_shared<AuditBackend>();
  b->entry.path = path;
  auto d = std::make_unique<CountingDevice>(fail);
  *out = d.get();
  b->device = std::move(d);
  return b;
}

TEST(AuditBrokerTest, NoDeviceSucceeds) {
  AuditBroker broker;
  Request req;
  AuditInput in;
  in.request = &req;
  EXPECT_FALSE(broker.Enabled());
  EXPECT_TRUE(broker.LogRequest(in).ok());
  EXPECT_TRUE(broker.LogResponse(in).ok());
  EXPECT_EQ(broker.Hash("x", "a").error().code(), StatusCode::kInvalidArgument);
}

TEST(AuditBrokerTest, SucceedsWhenAnyDeviceWrites) {
  AuditBroker broker;
  CountingDevice *good, *bad;
  broker.Set({Backend("good/", false, &good), Backend("bad/", true, &bad)});
  ASSERT_TRUE(broker.Enabled());
  Request req;
  AuditInput in;
  in.request = &req;
  EXPECT_TRUE(broker.LogRequest(in).ok());
  EXPECT_TRUE(broker.LogResponse(in).ok());
  EXPECT_EQ(good->writes, 2);
  EXPECT_EQ(broker.Hash("good", "a").value(), "hmac-sha256:a");
  EXPECT_FALSE(broker.Reload().ok());  // the failing device's reload is reported
  EXPECT_EQ(good->reloads, 1);
  EXPECT_EQ(bad->reloads, 1);

  broker.Set({Backend("bad/", true, &bad)});
  Status st = broker.LogRequest(in);
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_EQ(broker.LogResponse(in).code(), StatusCode::kInternal);

  broker.Clear();
  EXPECT_FALSE(broker.Enabled());
  EXPECT_TRUE(broker.LogRequest(in).ok());
}

}  // namespace
}  // namespace coffer::core
