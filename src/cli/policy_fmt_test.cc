#include "cli/policy_fmt.h"

#include <gtest/gtest.h>

namespace coffer::cli {
namespace {

TEST(PolicyFmtTest, ReindentsByBraceDepth) {
  std::string in =
      "path \"secret/*\" {\n"
      "capabilities = [\"read\",\n"
      "\"list\"]\n"
      "      }\n"
      "\n\n\n"
      "path \"sys/{a}\" {   \n"
      "  capabilities = [\"deny\"]  # comment with { brace\n"
      "    allowed_parameters = {\n"
      "  \"ttl\" = []\n"
      "}\n"
      "}\n";
  Result<std::string> out = FormatPolicyText(in);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(*out,
            "path \"secret/*\" {\n"
            "  capabilities = [\"read\",\n"
            "    \"list\"]\n"
            "}\n"
            "\n"
            "path \"sys/{a}\" {\n"
            "  capabilities = [\"deny\"]  # comment with { brace\n"
            "  allowed_parameters = {\n"
            "    \"ttl\" = []\n"
            "  }\n"
            "}\n");
}

TEST(PolicyFmtTest, IsIdempotent) {
  std::string in = "path \"a\" {\n  capabilities = [\"read\"]\n}\n";
  EXPECT_EQ(*FormatPolicyText(in), in);
  EXPECT_EQ(*FormatPolicyText(*FormatPolicyText(in)), in);
}

TEST(PolicyFmtTest, HeredocAndBlockCommentsAreLeftAlone) {
  std::string in =
      "/* a { comment\n"
      "   spanning } lines */\n"
      "x = <<EOT\n"
      "   { keep }\n"
      "EOT\n";
  EXPECT_EQ(*FormatPolicyText(in), in);
}

TEST(PolicyFmtTest, UnbalancedBracesAreErrors) {
  EXPECT_FALSE(FormatPolicyText("path \"a\" {\n").has_value());
  EXPECT_FALSE(FormatPolicyText("}\n").has_value());
}

}  // namespace
}  // namespace coffer::cli
