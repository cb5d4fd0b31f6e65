#include "engines/sys/mount_util.h"

#include <gtest/gtest.h>

namespace coffer::engines::sys {
namespace {

using std::chrono::seconds;
constexpr seconds kSystemMax{768 * 3600};

TEST(MountUtilTest, SanitizeMountPath) {
  EXPECT_EQ(SanitizeMountPath("secret"), "secret/");
  EXPECT_EQ(SanitizeMountPath("/secret/"), "secret/");
  EXPECT_EQ(SanitizeMountPath("a/b"), "a/b/");
  EXPECT_EQ(StripAuthPrefix("auth/userpass/"), "userpass/");
  EXPECT_EQ(StripAuthPrefix("secret/"), "secret/");
}

TEST(MountUtilTest, ParseMountConfigAcceptsVaultForms) {
  Json config = {{"default_lease_ttl", "1h"},
                 {"max_lease_ttl", 7200},
                 {"force_no_cache", "true"},
                 {"audit_non_hmac_request_keys", "a, b"},
                 {"passthrough_request_headers", {"X-One"}},
                 {"listing_visibility", "hidden"}};
  auto c = ParseMountConfig(config, false, kSystemMax);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->default_lease_ttl, seconds(3600));
  EXPECT_EQ(c->max_lease_ttl, seconds(7200));
  EXPECT_TRUE(c->force_no_cache);
  EXPECT_EQ(c->audit_non_hmac_request_keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c->passthrough_request_headers, (std::vector<std::string>{"X-One"}));
  EXPECT_EQ(c->listing_visibility, "hidden");
  EXPECT_TRUE(c->token_type.empty());

  auto sys = ParseMountConfig({{"default_lease_ttl", "system"}}, true, kSystemMax);
  ASSERT_TRUE(sys.has_value());
  EXPECT_EQ(sys->default_lease_ttl, seconds(0));
  EXPECT_EQ(sys->token_type, "default-service");
  EXPECT_EQ(ParseMountConfig(nullptr, true, kSystemMax)->token_type, "default-service");
}

TEST(MountUtilTest, ParseMountConfigRejectsWithVaultMessages) {
  auto err = [](const Json& config, bool auth = false) {
    auto c = ParseMountConfig(config, auth, kSystemMax);
    return c ? std::string("ok") : c.error().message();
  };
  EXPECT_EQ(err({{"default_lease_ttl", "soon"}}).rfind("unable to parse default TTL of soon: ", 0),
            0u);
  EXPECT_EQ(err({{"max_lease_ttl", "later"}}).rfind("unable to parse max TTL of later: ", 0), 0u);
  EXPECT_EQ(err({{"default_lease_ttl", "1000h"}}),
            "given default lease TTL greater than system max lease TTL of 2764800");
  EXPECT_EQ(err({{"default_lease_ttl", "1000h"}, {"max_lease_ttl", "2000h"}}), "ok");
  EXPECT_EQ(err({{"token_type", "weird"}}, true), "invalid value for 'token_type'");
  EXPECT_EQ(err({{"token_type", "weird"}}, false), "ok");  // ignored on secrets mounts
  EXPECT_EQ(err(Json::array()), "unable to convert given mount config information");
}

TEST(MountUtilTest, FindConflictIsPrefixEitherWay) {
  std::vector<core::MountEntry> entries(2);
  entries[0].path = "secret/";
  entries[1].path = "team/app/";
  EXPECT_EQ(FindConflict(entries, "secret/inner/")->path, "secret/");
  EXPECT_EQ(FindConflict(entries, "team/")->path, "team/app/");
  EXPECT_FALSE(FindConflict(entries, "secret2/").has_value());
  EXPECT_FALSE(FindConflict(entries, "team/other/").has_value());
}

}  // namespace
}  // namespace coffer::engines::sys
