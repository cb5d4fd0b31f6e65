#include "base/secret_bytes.h"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(SecretBytesTest, EqualityIsByContent) {
  SecretBytes a = SecretBytes::FromString("hunter2");
  SecretBytes b = SecretBytes::FromString("hunter2");
  SecretBytes c = SecretBytes::FromString("hunter3");
  EXPECT_TRUE(a.Equals(b));
  EXPECT_FALSE(a.Equals(c));
  EXPECT_FALSE(a.Equals(std::string_view("hunter")));
}

TEST(SecretBytesTest, MoveLeavesSourceEmptyAndWipeClears) {
  SecretBytes a = SecretBytes::FromString("key");
  SecretBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.view(), "key");
  b.Wipe();
  EXPECT_TRUE(b.empty());
}

}  // namespace
}  // namespace coffer
