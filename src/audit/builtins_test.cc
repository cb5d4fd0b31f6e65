#include "audit/builtins.h"

#include <gtest/gtest.h>

#include "audit/test_util.h"
#include "core/registry.h"

namespace coffer::audit {
namespace {

using testing::ReadLines;
using testing::Sample;
using testing::TempDir;

TEST(AuditBuiltins, RegistersFileSyslogSocket) {
  core::Registry registry;
  RegisterBuiltins(registry);
  for (const char* type : {"file", "syslog", "socket"}) {
    EXPECT_NE(registry.FindAuditDevice(type), nullptr) << type;
  }
  EXPECT_EQ(registry.FindAuditDevice("kafka"), nullptr);

  Sample s;
  TempDir dir;
  std::string path = dir.File("audit.log");
  auto device = (*registry.FindAuditDevice("file"))(s.Config("file", {{"file_path", path}}));
  ASSERT_TRUE(device.has_value()) << device.error().ToString();
  ASSERT_TRUE((*device)->LogRequest(s.RequestInput()).ok());
  ASSERT_EQ(ReadLines(path).size(), 1u);
  // sys/audit-hash reproduces the HMAC written in the entry.
  auto entry = ParseJson(ReadLines(path)[0]);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ((*entry)["request"]["data"]["password"],
            (*device)->Hash(s.request.data["password"].get<std::string>()));
}

}  // namespace
}  // namespace coffer::audit
