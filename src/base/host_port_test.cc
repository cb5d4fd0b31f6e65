#include "base/host_port.h"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(HostPortTest, Forms) {
  auto v4 = ParseHostPort("127.0.0.1:8200", "listener address");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8200);
  EXPECT_EQ(v4->port_text, "8200");
  auto v6 = ParseHostPort("[::1]:8201", "cluster address");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8201);
  auto any = ParseHostPort(":8200", "listener address");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->host, "0.0.0.0");
  auto name = ParseHostPort("localhost:0", "listener address");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "localhost");
  EXPECT_EQ(name->port, 0);
}

TEST(HostPortTest, ErrorsNameTheAddress) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:x", "127.0.0.1:65536",
                          "127.0.0.1:-1", "127.0.0.1:80x"}) {
    auto r = ParseHostPort(bad, "cluster address");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(std::string("cluster address ") + bad), std::string::npos)
        << r.error().message();
  }
}

}  // namespace
}  // namespace coffer
