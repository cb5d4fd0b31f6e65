#include "hcl/lexer.h"

#include <gtest/gtest.h>

namespace coffer::hcl::internal {
namespace {

std::vector<Token> Lex(std::string_view text) {
  auto r = Tokenize(text, "t.hcl");
  EXPECT_TRUE(r.has_value()) << r.error().message();
  return r ? *r : std::vector<Token>{};
}

std::string LexError(std::string_view text) {
  auto r = Tokenize(text, "t.hcl");
  EXPECT_FALSE(r.has_value());
  return r ? "" : r.error().message();
}

Json OnlyValue(std::string_view text) {
  auto toks = Lex(text);
  EXPECT_EQ(toks.size(), 2u) << text;
  return toks.empty() ? Json() : toks[0].value;
}

TEST(LexerTest, PunctuationAndPositions) {
  auto toks = Lex("a = {\n  b: [1, 2]\n}");
  std::vector<TokenKind> kinds;
  for (const auto& t : toks) kinds.push_back(t.kind);
  EXPECT_EQ(kinds,
            (std::vector<TokenKind>{TokenKind::kIdent, TokenKind::kAssign, TokenKind::kLBrace,
                                    TokenKind::kIdent, TokenKind::kAssign, TokenKind::kLBracket,
                                    TokenKind::kNumber, TokenKind::kComma, TokenKind::kNumber,
                                    TokenKind::kRBracket, TokenKind::kRBrace, TokenKind::kEof}));
  EXPECT_EQ(toks[3].line, 2);
  EXPECT_EQ(toks[3].col, 3);
  EXPECT_EQ(toks[10].line, 3);
  EXPECT_EQ(toks[10].col, 1);
}

TEST(LexerTest, IdentifiersWithDotsAndDashes) {
  auto toks = Lex("foo.bar-baz_1 _x true false");
  ASSERT_EQ(toks.size(), 5u);
  EXPECT_EQ(toks[0].text, "foo.bar-baz_1");
  EXPECT_EQ(toks[1].text, "_x");
  EXPECT_EQ(toks[2].kind, TokenKind::kBool);
  EXPECT_EQ(toks[2].value, true);
  EXPECT_EQ(toks[3].value, false);
}

TEST(LexerTest, Numbers) {
  EXPECT_EQ(OnlyValue("42"), 42);
  EXPECT_EQ(OnlyValue("-7"), -7);
  EXPECT_EQ(OnlyValue("0x1F"), 31);
  EXPECT_EQ(OnlyValue("-0x10"), -16);
  EXPECT_EQ(OnlyValue("0755"), 493);  // octal, as HCL v1 (strconv base 0)
  EXPECT_EQ(OnlyValue("0"), 0);
  EXPECT_DOUBLE_EQ(OnlyValue("1.5").get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(OnlyValue("-2.25").get<double>(), -2.25);
  EXPECT_DOUBLE_EQ(OnlyValue("1e3").get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(OnlyValue("2.5E-1").get<double>(), 0.25);
  EXPECT_TRUE(OnlyValue("9223372036854775807").is_number_integer());
}

TEST(LexerTest, BadNumbers) {
  EXPECT_EQ(LexError("x = 12abc"), "t.hcl:1:5: invalid number \"12abc\"");
  EXPECT_EQ(LexError("x = 0x"), "t.hcl:1:5: invalid number \"0x\"");
  EXPECT_EQ(LexError("x = 1.2.3"), "t.hcl:1:5: invalid number \"1.2.3\"");
  EXPECT_EQ(LexError("x = 1e"), "t.hcl:1:5: invalid number: missing exponent digits");
  EXPECT_EQ(LexError("x = 99999999999999999999"),
            "t.hcl:1:5: number out of range: 99999999999999999999");
  EXPECT_EQ(LexError("x = 089"), "t.hcl:1:5: invalid octal number 089");
}

TEST(LexerTest, StringEscapes) {
  EXPECT_EQ(OnlyValue(R"("a\"b\\c\n\t\r/")"), "a\"b\\c\n\t\r/");
  EXPECT_EQ(OnlyValue(R"("\u00e9\U0001F600\x41\101\/")"),
            "\xC3\xA9\xF0\x9F\x98\x80"
            "AA/");
  EXPECT_EQ(OnlyValue(R"("")"), "");
  EXPECT_EQ(OnlyValue("\"caf\xC3\xA9 ${var.x} {{identity.entity.id}}\""),
            "caf\xC3\xA9 ${var.x} {{identity.entity.id}}");
}

TEST(LexerTest, BadStrings) {
  EXPECT_EQ(LexError("a = \"abc\nb = 1"),
            "t.hcl:1:5: unterminated string (missing closing '\"' on this line)");
  EXPECT_EQ(LexError("\n  a = \"abc"),
            "t.hcl:2:7: unterminated string (missing closing '\"' on this line)");
  EXPECT_EQ(LexError(R"(a = "x\qy")"), "t.hcl:1:7: invalid escape sequence \\q");
  EXPECT_EQ(LexError(R"(a = "\u12")"), "t.hcl:1:6: invalid \\u escape");
  EXPECT_EQ(LexError(R"(a = "\uD800")"), "t.hcl:1:6: escape is not a valid Unicode code point");
  EXPECT_EQ(LexError("a = 'x'"), "t.hcl:1:5: unexpected character ''' (strings use double quotes)");
  EXPECT_EQ(LexError("a = @"), "t.hcl:1:5: unexpected character '@'");
}

TEST(LexerTest, ColumnsCountCharactersNotBytes) {
  EXPECT_EQ(LexError("\"\xC3\xA9\xC3\xA9\" @"), "t.hcl:1:6: unexpected character '@'");
}

TEST(LexerTest, Comments) {
  auto toks = Lex("# hash\n// slashes\n/* block\n comment */ a /* inline */ = 1 # trailing\n");
  ASSERT_EQ(toks.size(), 4u);
  EXPECT_EQ(toks[0].text, "a");
  EXPECT_EQ(toks[0].line, 4);
  EXPECT_EQ(toks[0].col, 13);
  EXPECT_EQ(LexError("a = 1\n  /* never closed\n"),
            "t.hcl:2:3: comment not terminated (missing */)");
}

TEST(LexerTest, Heredoc) {
  EXPECT_EQ(OnlyValue("<<EOF\nline one\n  line two\nEOF\n"), "line one\n  line two\n");
  EXPECT_EQ(OnlyValue("<<EOF\nEOF"), "");
  EXPECT_EQ(OnlyValue("<<EOT\r\nwindows\r\nEOT\r\n"), "windows\n");
  // The closing marker may be indented; the text keeps its own indentation with <<.
  EXPECT_EQ(OnlyValue("<<EOF\n  kept\n  EOF\n"), "  kept\n");
  // A line that merely contains the marker does not close the heredoc.
  EXPECT_EQ(OnlyValue("<<EOF\nEOF is here\nEOF\n"), "EOF is here\n");
}

TEST(LexerTest, IndentedHeredoc) {
  EXPECT_EQ(OnlyValue("<<-EOF\n    {\n      \"a\": 1\n\n    }\n    EOF\n"), "{\n  \"a\": 1\n\n}\n");
  // Not every line shares the marker's indentation: left as written.
  EXPECT_EQ(OnlyValue("<<-EOF\n    a\n  b\n    EOF\n"), "    a\n  b\n");
}

TEST(LexerTest, HeredocPositionsContinueAfterIt) {
  auto toks = Lex("a = <<EOF\nx\ny\nEOF\nb = 2");
  ASSERT_EQ(toks.size(), 7u);
  EXPECT_EQ(toks[3].text, "b");
  EXPECT_EQ(toks[3].line, 5);
}

TEST(LexerTest, BadHeredocs) {
  EXPECT_EQ(LexError("a = <<EOF\nno end\n"),
            "t.hcl:1:5: heredoc not terminated (missing \"EOF\" line)");
  EXPECT_EQ(LexError("a = << EOF\nx\nEOF\n"),
            "t.hcl:1:5: heredoc needs a marker and a line break, like <<EOF");
  EXPECT_EQ(LexError("a = <<EOF x\nEOF\n"),
            "t.hcl:1:5: heredoc needs a marker and a line break, like <<EOF");
}

TEST(LexerTest, ByteOrderMarkIsSkipped) {
  auto toks =
      Lex("\xEF\xBB\xBF"
          "a = 1");
  ASSERT_EQ(toks.size(), 4u);
  EXPECT_EQ(toks[0].col, 1);
}

TEST(LexerTest, EofTokenAtEndOfInput) {
  auto toks = Lex("a = 1\n");
  EXPECT_EQ(toks.back().kind, TokenKind::kEof);
  EXPECT_EQ(toks.back().line, 2);
  EXPECT_EQ(toks.back().col, 1);
}

}  // namespace
}  // namespace coffer::hcl::internal
