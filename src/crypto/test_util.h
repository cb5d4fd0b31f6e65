#pragma once
// Helpers shared by crypto/'s tests.

#include <gtest/gtest.h>

#include <string>

#include "crypto/hash.h"

namespace coffer::crypto::testing {

// Decodes a hex literal in a test, failing the test on bad input.
inline std::string Unhex(std::string_view hex) {
  auto r = HexDecode(hex);
  EXPECT_TRUE(r.has_value()) << hex;
  return r ? *r : std::string();
}

}  // namespace coffer::crypto::testing
