#include "cli/flags.h"

#include <gtest/gtest.h>

namespace coffer::cli {
namespace {

struct Fixture {
  FlagSet f;
  std::string address;
  bool skip = false;
  int64_t shares = 5;
  std::optional<std::chrono::seconds> ttl;
  std::vector<std::string> policies;
  std::map<std::string, std::string> meta;
  std::optional<bool> cas_required;
  Fixture() {
    f.Section("HTTP Options");
    f.String("address", &address, "Server address.");
    f.Bool("tls-skip-verify", &skip, "Skip verification.");
    f.Section("Command Options");
    f.Int("key-shares", &shares, "Shares.");
    f.Duration("ttl", &ttl, "TTL.");
    f.StringSlice("policy", &policies, "Policy.");
    f.StringMap("metadata", &meta, "Metadata.");
    f.OptionalBool("cas-required", &cas_required, "CAS.");
    f.Alias("addr", "address");
  }
};

TEST(FlagSetTest, SingleAndDoubleDashWithEqualsOrSpace) {
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"-address=http://a:1", "pos"},
                                             {"--address=http://a:1", "pos"},
                                             {"-address", "http://a:1", "pos"},
                                             {"--address", "http://a:1", "pos"},
                                             {"-addr", "http://a:1", "pos"}}) {
    Fixture x;
    ASSERT_TRUE(x.f.Parse(args).ok()) << args[0];
    EXPECT_EQ(x.address, "http://a:1");
    EXPECT_EQ(x.f.args(), std::vector<std::string>{"pos"});
    EXPECT_TRUE(x.f.IsSet("address"));
  }
}

TEST(FlagSetTest, BoolFlagsTakeNoSeparateValue) {
  Fixture x;
  ASSERT_TRUE(x.f.Parse({"-tls-skip-verify", "true"}).ok());
  EXPECT_TRUE(x.skip);
  EXPECT_EQ(x.f.args(), std::vector<std::string>{"true"});  // "true" is positional

  Fixture y;
  y.skip = true;
  ASSERT_TRUE(y.f.Parse({"--tls-skip-verify=false"}).ok());
  EXPECT_FALSE(y.skip);

  Fixture z;
  Status st = z.f.Parse({"-tls-skip-verify=maybe"});
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "invalid boolean value \"maybe\" for -tls-skip-verify: parse error");
}

TEST(FlagSetTest, OptionalBoolDistinguishesUnset) {
  Fixture x;
  ASSERT_TRUE(x.f.Parse({}).ok());
  EXPECT_FALSE(x.cas_required.has_value());
  Fixture y;
  ASSERT_TRUE(y.f.Parse({"-cas-required=false"}).ok());
  EXPECT_EQ(y.cas_required, false);
}

TEST(FlagSetTest, UnknownFlagIsAnError) {
  Fixture x;
  Status st = x.f.Parse({"-nope=1"});
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "flag provided but not defined: -nope");
}

TEST(FlagSetTest, MissingValueIsAnError) {
  Fixture x;
  Status st = x.f.Parse({"-address"});
  EXPECT_EQ(st.message(), "flag needs an argument: -address");
}

TEST(FlagSetTest, TypedValuesAreValidated) {
  Fixture x;
  ASSERT_TRUE(x.f.Parse({"-key-shares=3", "-ttl=1h30m"}).ok());
  EXPECT_EQ(x.shares, 3);
  EXPECT_EQ(x.ttl->count(), 5400);
  Fixture y;
  ASSERT_TRUE(y.f.Parse({"-ttl", "90"}).ok());
  EXPECT_EQ(y.ttl->count(), 90);  // bare numbers are seconds
  Fixture z;
  EXPECT_EQ(z.f.Parse({"-key-shares=abc"}).message(),
            "invalid value \"abc\" for flag -key-shares: parse error");
  Fixture w;
  EXPECT_FALSE(w.f.Parse({"-ttl=1fortnight"}).ok());
}

TEST(FlagSetTest, RepeatableSliceAndMap) {
  Fixture x;
  ASSERT_TRUE(
      x.f.Parse({"-policy=a", "-policy", "b,c", "-metadata=k=v=w", "-metadata", "x=y"}).ok());
  EXPECT_EQ(x.policies, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(x.meta, (std::map<std::string, std::string>{{"k", "v=w"}, {"x", "y"}}));
  Fixture y;
  EXPECT_FALSE(y.f.Parse({"-metadata=novalue"}).ok());
}

TEST(FlagSetTest, StopsAtFirstPositionalAndAfterDoubleDash) {
  Fixture x;
  ASSERT_TRUE(x.f.Parse({"-key-shares=1", "secret/foo", "-key-shares=9", "a=b"}).ok());
  EXPECT_EQ(x.shares, 1);
  EXPECT_EQ(x.f.args(), (std::vector<std::string>{"secret/foo", "-key-shares=9", "a=b"}));
  EXPECT_NE(x.f.trailing_flag_warning().find("[-key-shares=9]"), std::string::npos);

  Fixture y;
  ASSERT_TRUE(y.f.Parse({"--", "-address=x"}).ok());
  EXPECT_EQ(y.address, "");
  EXPECT_EQ(y.f.args(), std::vector<std::string>{"-address=x"});

  Fixture z;  // "-" alone is positional (stdin)
  ASSERT_TRUE(z.f.Parse({"-", "x"}).ok());
  EXPECT_EQ(z.f.args(), (std::vector<std::string>{"-", "x"}));
  EXPECT_EQ(z.f.trailing_flag_warning(), "");
}

TEST(FlagSetTest, BadSyntax) {
  Fixture x;
  EXPECT_EQ(x.f.Parse({"---address=x"}).message(), "bad flag syntax: ---address=x");
  Fixture y;
  EXPECT_EQ(y.f.Parse({"-=x"}).message(), "bad flag syntax: -=x");
}

TEST(FlagSetTest, HelpGroupsBySection) {
  Fixture x;
  std::string h = x.f.Help();
  size_t http = h.find("HTTP Options:");
  size_t cmd = h.find("Command Options:");
  ASSERT_NE(http, std::string::npos);
  ASSERT_NE(cmd, std::string::npos);
  EXPECT_LT(http, cmd);
  EXPECT_NE(h.find("  -address=<string>\n      Server address."), std::string::npos);
  EXPECT_NE(h.find("  -tls-skip-verify\n"), std::string::npos);
  EXPECT_NE(h.find("  -ttl=<duration>\n"), std::string::npos);
}

}  // namespace
}  // namespace coffer::cli
