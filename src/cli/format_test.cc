#include "cli/format.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

namespace coffer::cli {
namespace {

TEST(GoValueTest, RendersLikeGoPercentV) {
  EXPECT_EQ(GoValue(Json()), "<nil>");
  EXPECT_EQ(GoValue(Json("x")), "x");
  EXPECT_EQ(GoValue(Json(true)), "true");
  EXPECT_EQ(GoValue(Json(42)), "42");
  EXPECT_EQ(GoValue(Json::array({"a", "b"})), "[a b]");
  EXPECT_EQ(GoValue(Json{{"b", 1}, {"a", "x"}}), "map[a:x b:1]");
  EXPECT_EQ(GoQuotedList(Json::array({"default", "root"})), "[\"default\" \"root\"]");
  EXPECT_EQ(GoQuotedList(Json()), "[]");
}

TEST(HumanDurationTest, DropsZeroUnits) {
  EXPECT_EQ(HumanDuration(0), "0s");
  EXPECT_EQ(HumanDuration(45), "45s");
  EXPECT_EQ(HumanDuration(60), "1m");
  EXPECT_EQ(HumanDuration(90), "1m30s");
  EXPECT_EQ(HumanDuration(3600), "1h");
  EXPECT_EQ(HumanDuration(3661), "1h1m1s");
  EXPECT_EQ(HumanDuration(2764800), "768h");
  EXPECT_EQ(HumanDurationValue(Json("7d")), "7d");  // non-integers pass through
  EXPECT_TRUE(LooksLikeDuration("ttl"));
  EXPECT_TRUE(LooksLikeDuration("creation_ttl"));
  EXPECT_TRUE(LooksLikeDuration("period"));
  EXPECT_FALSE(LooksLikeDuration("ttlx"));
}

TEST(TableTest, ColumnizeAlignsAndFillsEmptyCells) {
  EXPECT_EQ(Columnize({{"Key", "Value"}, {"created_time", "now"}, {"deletion_time", ""}}),
            "Key              Value\n"
            "created_time     now\n"
            "deletion_time    n/a");
  EXPECT_EQ(TableOutput({{"Keys"}, {"a"}, {"bb"}}), "Keys\n----\na\nbb");
}

TEST(TableTest, SecretTableShowsDataSortedWithDurations) {
  Json secret = {{"lease_duration", 2764800},
                 {"lease_id", ""},
                 {"renewable", false},
                 {"data", {{"zeta", "z"}, {"alpha", Json::array({"x", "y"})}, {"ttl", 90}}}};
  EXPECT_EQ(SecretTable(secret),
            "Key                 Value\n"
            "---                 -----\n"
            "refresh_interval    768h\n"
            "alpha               [x y]\n"
            "ttl                 1m30s\n"
            "zeta                z");
}

TEST(TableTest, SecretTableAuthBlock) {
  Json secret = {{"auth",
                  {{"client_token", "hvs.abc"},
                   {"accessor", "acc"},
                   {"lease_duration", 0},
                   {"renewable", false},
                   {"policies", Json::array({"root"})},
                   {"token_policies", Json::array({"root"})},
                   {"metadata", {{"user", "bob"}}}}}};
  EXPECT_EQ(SecretTable(secret),
            "Key                  Value\n"
            "---                  -----\n"
            "token                hvs.abc\n"
            "token_accessor       acc\n"
            "token_duration       ∞\n"
            "token_renewable      false\n"
            "token_policies       [\"root\"]\n"
            "identity_policies    []\n"
            "policies             [\"root\"]\n"
            "token_meta_user      bob");
}

TEST(TableTest, SecretTableWrapInfo) {
  Json secret = {{"wrap_info",
                  {{"token", "hvs.wrap"},
                   {"accessor", "wacc"},
                   {"ttl", 300},
                   {"creation_time", "2024-01-01T00:00:00Z"},
                   {"creation_path", "secret/data/foo"}}}};
  std::string t = SecretTable(secret);
  EXPECT_NE(t.find("wrapping_token:                  hvs.wrap"), std::string::npos) << t;
  EXPECT_NE(t.find("wrapping_token_ttl:              5m"), std::string::npos) << t;
  EXPECT_NE(t.find("wrapping_token_creation_time:    2024-01-01 00:00:00 +0000 UTC\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("wrapping_token_creation_path:    secret/data/foo"), std::string::npos) << t;
  EXPECT_EQ(t.find("wrapped_accessor"), std::string::npos);
  secret["wrap_info"]["wrapped_accessor"] = "inner-acc";
  EXPECT_NE(SecretTable(secret).find("wrapped_accessor:                inner-acc"),
            std::string::npos);
  EXPECT_EQ(SecretTable(Json::object()), "");
}

TEST(FormatTest, GoTimeStringIsGoTimeString) {
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(GoTimeString("2024-01-02T15:04:05Z"), "2024-01-02 15:04:05 +0000 UTC");
  EXPECT_EQ(GoTimeString("2024-01-02T15:04:05.120000Z"), "2024-01-02 15:04:05.12 +0000 UTC");
  EXPECT_EQ(GoTimeString("2024-01-02T15:04:05.123456789Z"),
            "2024-01-02 15:04:05.123456789 +0000 UTC");
  EXPECT_EQ(GoTimeString("2024-01-02T15:04:05.5-05:00"), "2024-01-02 15:04:05.5 -0500 -0500");
  EXPECT_EQ(GoTimeString("2024-01-02T15:04:05+00:00"), "2024-01-02 15:04:05 +0000 UTC");
  EXPECT_EQ(GoTimeString("yesterday"), "yesterday");
  EXPECT_EQ(GoTimeString("2024-01-02T15:04:05"), "2024-01-02T15:04:05");  // no zone
  unsetenv("TZ");
  tzset();
}

TEST(TableTest, ListTableSortsAndDetails) {
  EXPECT_EQ(ListTable(Json::array({"b", "a/"})), "Keys\n----\na/\nb");
  Json info = {{"a", {{"ttl", 60}, {"x", 1}}}, {"b", {{"x", 2}}}};
  EXPECT_EQ(ListTable(Json::array({"b", "a"}), &info),
            "Keys    ttl    x\n"
            "----    ---    -\n"
            "a       1m     1\n"
            "b       n/a    2");
}

TEST(TableTest, Warnings) {
  EXPECT_EQ(WarningsText(Json::object()), "");
  EXPECT_EQ(WarningsText(Json{{"warnings", Json::array({"careful"})}}),
            "WARNING! The following warnings were returned from Vault:\n\n  * careful\n\n");
}

TEST(HeaderTest, PadsLikeVault) {
  EXPECT_EQ(PadEqualSigns("Secret Path", std::string("secret/data/creds").size()),
            "== Secret Path ==");
  Json metadata = {{"created_time", ""}, {"custom_metadata", nullptr}, {"version", 1}};
  EXPECT_EQ(HeaderForMap("Metadata", metadata), "======= Metadata =======");
  EXPECT_EQ(HeaderForMap("Data", Json{{"passcode", "x"}}), "====== Data ======");
  EXPECT_EQ(PadEqualSigns("Long Header", 3), "== Long Header ==");
}

TEST(JsonYamlTest, JsonIsIndentedByTwo) {
  EXPECT_EQ(FormatJson(Json{{"a", Json::array({1})}}), "{\n  \"a\": [\n    1\n  ]\n}");
}

TEST(JsonYamlTest, YamlBlockStyle) {
  Json v = {{"data", {{"keys", Json::array({"a", "b"})}, {"empty", Json::object()}}},
            {"lease_duration", 0},
            {"list", Json::array({Json{{"x", 1}, {"z", "two"}}, Json::array({1, 2})})},
            {"warnings", nullptr}};
  EXPECT_EQ(FormatYaml(v),
            "data:\n"
            "  empty: {}\n"
            "  keys:\n"
            "  - a\n"
            "  - b\n"
            "lease_duration: 0\n"
            "list:\n"
            "- x: 1\n"
            "  z: two\n"
            "- - 1\n"
            "  - 2\n"
            "warnings: null");
}

TEST(JsonYamlTest, YamlQuotesAmbiguousStrings) {
  EXPECT_EQ(FormatYaml(Json("plain")), "plain");
  EXPECT_EQ(FormatYaml(Json("true")), "\"true\"");
  EXPECT_EQ(FormatYaml(Json("123")), "\"123\"");
  EXPECT_EQ(FormatYaml(Json("")), "\"\"");
  EXPECT_EQ(FormatYaml(Json("a: b")), "\"a: b\"");
  EXPECT_EQ(FormatYaml(Json("-x")), "\"-x\"");
  EXPECT_EQ(FormatYaml(Json("two\nlines")), "\"two\\nlines\"");
  EXPECT_EQ(FormatYaml(Json("hvs.CAESIJ")), "hvs.CAESIJ");
  EXPECT_EQ(FormatYaml(Json("y")), "\"y\"");  // a YAML 1.1 boolean, as go-yaml quotes it
}

TEST(SecretFieldTest, LooksInAuthWrapLeaseAndData) {
  Json auth = {{"auth", {{"client_token", "t"}, {"accessor", "a"}}}, {"data", {{"k", "v"}}}};
  EXPECT_EQ(*SecretField(auth, "token"), "t");
  EXPECT_EQ(*SecretField(auth, "token_accessor"), "a");
  EXPECT_EQ(*SecretField(auth, "k"), "v");
  Json wrap = {{"wrap_info", {{"token", "w"}}}};
  EXPECT_EQ(*SecretField(wrap, "wrapping_token"), "w");
  Json plain = {{"lease_duration", 10}, {"data", {{"value", "s3cr3t"}}}};
  EXPECT_EQ(*SecretField(plain, "refresh_interval"), 10);
  EXPECT_EQ(*SecretField(plain, "value"), "s3cr3t");
  EXPECT_FALSE(SecretField(plain, "missing").has_value());
  EXPECT_EQ(FormatFieldValue(Json::array({"a"}), "table"), "[a]");
  EXPECT_EQ(FormatFieldValue(Json::array({"a"}), "json"), "[\n  \"a\"\n]");
}

TEST(WrapTest, WrapsAtSeventyEight) {
  std::string words;
  for (int i = 0; i < 30; ++i) words += "word ";
  std::string w = WrapAtLength(words, 2);
  size_t start = 0;
  while (start < w.size()) {
    size_t nl = w.find('\n', start);
    if (nl == std::string::npos) nl = w.size();
    EXPECT_LE(nl - start, 78u);
    EXPECT_EQ(w.substr(start, 2), "  ");
    start = nl + 1;
  }
}

}  // namespace
}  // namespace coffer::cli
