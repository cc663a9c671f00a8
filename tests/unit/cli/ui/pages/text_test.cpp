// Untrusted text made safe to show: escaping, escape sequences, invalid
// UTF-8, control characters, secrets and globs (cli/ui/pages/text.h).
#include "cli/ui/pages/text.h"

#include <gtest/gtest.h>

#include <string>

namespace ochopod::cli::ui {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(UiText, HtmlEscapesMarkupAndQuotes) {
  EXPECT_EQ(html("<script>alert('x')</script>"), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(html("a \"b\" & c"), "a &quot;b&quot; &amp; c");
  EXPECT_EQ(html("&lt;"), "&amp;lt;") << "entities in the input are text too";
  EXPECT_EQ(html("plain é ✓"), "plain é ✓");
}

TEST(UiText, HtmlCleansFirst) {
  EXPECT_EQ(html("\x1b[31m<b>\x1b[0m"), "&lt;b&gt;");
  EXPECT_EQ(html("a\nb"),
            "a\xE2\x90\x8A"
            "b")
      << "no raw newline in an attribute";
}

TEST(UiText, AnsiColoursAreRemoved) {
  EXPECT_EQ(clean_text("\x1b[1;31merror\x1b[0m: x"), "error: x");
  EXPECT_EQ(clean_text("\x1b[38;5;196mred\x1b[m"), "red");
  EXPECT_EQ(clean_text("\x1b[?25lhidden cursor\x1b[2K"), "hidden cursor");
  EXPECT_EQ(clean_text("cut \x1b[31"), "cut ") << "a CSI cut short goes to the end";
}

TEST(UiText, OscAndOtherEscapesAreRemoved) {
  EXPECT_EQ(clean_text("\x1b]0;evil title\x07"
                       "after"),
            "after")
      << "BEL ends it";
  EXPECT_EQ(clean_text("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"), "link") << "ST ends it";
  EXPECT_EQ(clean_text("a\x1b]0;never ends"), "a");
  EXPECT_EQ(clean_text("a\x1b]0;to the line's end\nb", true), "a\nb");
  EXPECT_EQ(clean_text("a\x1b[31\nb", true), "a\nb");
  EXPECT_EQ(clean_text("\x1b"
                       "c\x1b(Bx\x1b"
                       "7y"),
            "xy")
      << "ESC x and ESC ( B";
  EXPECT_EQ(clean_text("\x1bPdcs payload\x1b\\z"), "z");
}

TEST(UiText, AnEscNotStartingASequenceIsShown) {
  EXPECT_EQ(clean_text("a\x1b\x1b[0mb"),
            "a\xE2\x90\x9B"
            "b");
  EXPECT_EQ(clean_text("a\x1b\xC3\xA9"), "a\xE2\x90\x9B\xC3\xA9");
}

TEST(UiText, ControlCharactersBecomePictures) {
  EXPECT_EQ(clean_text(std::string("a\0b", 3)),
            "a\xE2\x90\x80"
            "b");  // U+2400
  EXPECT_EQ(clean_text("a\rb"),
            "a\xE2\x90\x8D"
            "b");  // U+240D
  EXPECT_EQ(clean_text("\x07\x08"), "\xE2\x90\x87\xE2\x90\x88");
  EXPECT_EQ(clean_text("a\x7f"), "a\xE2\x90\xA1") << "DEL: U+2421";
  EXPECT_EQ(clean_text("a\tb"), "a\tb") << "tabs stay";
  EXPECT_EQ(clean_text("a\nb"),
            "a\xE2\x90\x8A"
            "b");
  EXPECT_EQ(clean_text("a\nb", /*keep_newlines=*/true), "a\nb");
}

TEST(UiText, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(clean_text("a\x80"
                       "b"),
            "a" + kFffd + "b")
      << "lone continuation byte";
  EXPECT_EQ(clean_text("a\xE2\x82"
                       "b"),
            "a" + kFffd + "b")
      << "truncated: one U+FFFD";
  EXPECT_EQ(clean_text("a\xE2\x82"), "a" + kFffd) << "truncated at the end";
  EXPECT_EQ(clean_text("\xC0\xAF"), kFffd + kFffd) << "overlong '/'";
  EXPECT_EQ(clean_text("\xE0\x80\xAF"), kFffd + kFffd + kFffd) << "overlong 3-byte";
  EXPECT_EQ(clean_text("\xED\xA0\x80"), kFffd + kFffd + kFffd) << "surrogate";
  EXPECT_EQ(clean_text("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd) << "past U+10FFFF";
  EXPECT_EQ(clean_text("\xFF"), kFffd);
  EXPECT_EQ(clean_text("\xF0\x9F\x98\x80 \xE2\x82\xAC"), "\xF0\x9F\x98\x80 \xE2\x82\xAC")
      << "valid 4- and 3-byte sequences pass";
}

TEST(UiText, CleanOutputIsAFixedPoint) {
  const std::string messy = "\x1b[31m\xE2\x82<x>\x01\x80\x1b]0;t\x07";
  const std::string once = clean_text(messy);
  EXPECT_EQ(clean_text(once), once);
}

TEST(UiText, MaskSecretsAtAnyDepth) {
  const auto in = nlohmann::json::parse(R"({
    "token": "t", "ok": 1,
    "env": {"DB_PASSWORD": "p", "PATH": "/bin", "deep": {"Api_Secret": {"x": 1}}},
    "list": [{"passwd": "q", "name": "n"}, "plain"],
    "ssh_private_key": "k", "public_key": "pk", "aws_credentials": ["a"]
  })");
  const auto out = mask_secrets(in);
  EXPECT_EQ(out["token"], "********");
  EXPECT_EQ(out["ok"], 1);
  EXPECT_EQ(out["env"]["DB_PASSWORD"], "********");
  EXPECT_EQ(out["env"]["PATH"], "/bin");
  EXPECT_EQ(out["env"]["deep"]["Api_Secret"], "********") << "an object value is masked whole";
  EXPECT_EQ(out["list"][0]["passwd"], "********");
  EXPECT_EQ(out["list"][0]["name"], "n");
  EXPECT_EQ(out["list"][1], "plain");
  EXPECT_EQ(out["ssh_private_key"], "********");
  EXPECT_EQ(out["public_key"], "pk");
  EXPECT_EQ(out["aws_credentials"], "********");
  EXPECT_EQ(in["token"], "t") << "the input is left alone";
}

TEST(UiText, GlobMatchIsFnmatch) {
  EXPECT_TRUE(glob_match("*", "shop.web"));
  EXPECT_TRUE(glob_match("shop.*", "shop.web"));
  EXPECT_FALSE(glob_match("shop.*", "blog.web"));
  EXPECT_TRUE(glob_match("shop.w?b", "shop.web"));
  EXPECT_TRUE(glob_match("shop.[a-w]eb", "shop.web"));
  EXPECT_FALSE(glob_match("shop", "shop.web"));
  EXPECT_FALSE(glob_match(std::string("shop\0x", 6), "shop")) << "no cut at a NUL";
}

}  // namespace
}  // namespace ochopod::cli::ui
