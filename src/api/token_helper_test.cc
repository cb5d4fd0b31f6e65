#include "api/token_helper.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace coffer::api {
namespace {

class TokenHelperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/coffer_token_helper_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    home_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(home_); }
  std::string home_;
};

TEST_F(TokenHelperTest, EmptyWhenNoFile) {
  TokenHelper h(home_);
  Result<std::string> t = h.Get();
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, "");
}

TEST_F(TokenHelperTest, StoreWritesMode0600AndGetReadsBack) {
  TokenHelper h(home_);
  mode_t old = umask(0);  // even a permissive umask must not widen the mode
  Status s = h.Store("hvs.secret-token");
  umask(old);
  ASSERT_TRUE(s.ok()) << s.ToString();
  struct stat st {};
  ASSERT_EQ(stat((home_ + "/.coffer-token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(*h.Get(), "hvs.secret-token");
}

TEST_F(TokenHelperTest, StoreTightensAnExistingWideFile) {
  std::string p = home_ + "/.coffer-token";
  { std::ofstream(p) << "old"; }
  chmod(p.c_str(), 0644);
  TokenHelper h(home_);
  ASSERT_TRUE(h.Store("new").ok());
  struct stat st {};
  ASSERT_EQ(stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(*h.Get(), "new");
}

TEST_F(TokenHelperTest, FallsBackToVaultTokenTrimmed) {
  { std::ofstream(home_ + "/.vault-token") << "  s.fromvault\n"; }
  TokenHelper h(home_);
  EXPECT_EQ(*h.Get(), "s.fromvault");
  ASSERT_TRUE(h.Store("s.coffer").ok());
  EXPECT_EQ(*h.Get(), "s.coffer");  // ours wins once present
}

TEST_F(TokenHelperTest, EraseRemovesOnlyOurFile) {
  { std::ofstream(home_ + "/.vault-token") << "s.vault"; }
  TokenHelper h(home_);
  ASSERT_TRUE(h.Store("s.coffer").ok());
  ASSERT_TRUE(h.Erase().ok());
  EXPECT_FALSE(std::filesystem::exists(home_ + "/.coffer-token"));
  EXPECT_TRUE(std::filesystem::exists(home_ + "/.vault-token"));
  EXPECT_TRUE(h.Erase().ok());  // erasing twice is fine
}

TEST_F(TokenHelperTest, FromEnvironmentUsesHome) {
  const char* old = std::getenv("HOME");
  std::string saved = old ? old : "";
  setenv("HOME", home_.c_str(), 1);
  EXPECT_EQ(TokenHelper::FromEnvironment().path(), home_ + "/.coffer-token");
  setenv("HOME", saved.c_str(), 1);
}

}  // namespace
}  // namespace coffer::api
