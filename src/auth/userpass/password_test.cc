#include "auth/userpass/password.h"

#include <gtest/gtest.h>

#include "crypto/random.h"

namespace coffer::auth::userpass {
namespace {

TEST(PasswordTest, HashAndVerify) {
  auto& random = crypto::SystemRandom::Get();
  auto hash = HashPassword("correct horse", random, 1000);
  ASSERT_TRUE(hash.has_value());
  EXPECT_EQ(hash->rfind("pbkdf2-sha256$1000$", 0), 0u) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(VerifyPassword("correct horse", *hash));
  EXPECT_FALSE(VerifyPassword("correct horsf", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
  // Salted: the same password hashes differently each time.
  EXPECT_NE(*HashPassword("correct horse", random, 1000), *hash);
}

TEST(PasswordTest, DefaultIterationsAreRecorded) {
  auto hash = HashPassword("pw", crypto::SystemRandom::Get());
  ASSERT_TRUE(hash.has_value());
  EXPECT_EQ(hash->rfind("pbkdf2-sha256$" + std::to_string(kPbkdf2Iterations) + "$", 0), 0u);
  EXPECT_GE(kPbkdf2Iterations, 100000);
  EXPECT_TRUE(VerifyPassword("pw", *hash));
}

TEST(PasswordTest, MalformedEncodingsNeverVerify) {
  for (const char* bad : {"", "plain", "pbkdf2-sha256$x$AAAA$AAAA", "bcrypt$10$AAAA$AAAA",
                          "pbkdf2-sha256$1000$!!!$AAAA", "pbkdf2-sha256$1000$AAAA$AAAA",
                          "pbkdf2-sha256$0$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                          "pbkdf2-sha256$99999999999$AAAA$AAAA"}) {
    EXPECT_FALSE(VerifyPassword("", bad)) << bad;
    EXPECT_FALSE(VerifyPassword("x", bad)) << bad;
  }
}

}  // namespace
}  // namespace coffer::auth::userpass
