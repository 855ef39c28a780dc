// SPDX-License-Identifier: MIT
#include "imap/command.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace dcbot::imap {
namespace {

TEST(ImapCommand, BuildsSimpleCommands) {
  auto c = CommandBuilder("a1", "CAPABILITY").build();
  EXPECT_EQ(c.tag, "a1");
  ASSERT_EQ(c.parts.size(), 1U);
  EXPECT_EQ(c.text(), "a1 CAPABILITY\r\n");
  EXPECT_EQ(CommandBuilder("a2", "SELECT").astring("INBOX").build().text(), "a2 SELECT INBOX\r\n");
  EXPECT_EQ(CommandBuilder("a3", "UID STORE")
                .raw("1:3")
                .atom("+FLAGS.SILENT")
                .raw("(\\Deleted)")
                .build()
                .text(),
            "a3 UID STORE 1:3 +FLAGS.SILENT (\\Deleted)\r\n");
  EXPECT_EQ(CommandBuilder("a4", "X").number(4294967295U).build().text(), "a4 X 4294967295\r\n");
}

TEST(ImapCommand, QuotesStringsThatAreNotAtoms) {
  EXPECT_EQ(CommandBuilder("a", "SELECT").astring("My Box").build().text(),
            "a SELECT \"My Box\"\r\n");
  EXPECT_EQ(CommandBuilder("a", "X").astring("").build().text(), "a X \"\"\r\n");
  EXPECT_EQ(CommandBuilder("a", "X").astring("a\"b\\c").build().text(), "a X \"a\\\"b\\\\c\"\r\n");
  EXPECT_EQ(CommandBuilder("a", "X").astring("p%*").build().text(), "a X \"p%*\"\r\n");
  EXPECT_EQ(CommandBuilder("a", "X").string("atom").build().text(), "a X \"atom\"\r\n");
}

TEST(ImapCommand, UsesSynchronizingLiteralWhenNotQuotable) {
  auto c = CommandBuilder("a5", "LOGIN").astring("bot").astring("p\xc3\xa4ss").build();
  ASSERT_EQ(c.parts.size(), 2U);
  EXPECT_EQ(c.parts[0], "a5 LOGIN bot {5}\r\n");
  EXPECT_EQ(c.parts[1], "p\xc3\xa4ss\r\n");
  auto two = CommandBuilder("a6", "X").literal("ab").literal("c\r\nd").build();
  ASSERT_EQ(two.parts.size(), 3U);
  EXPECT_EQ(two.parts[0], "a6 X {2}\r\n");
  EXPECT_EQ(two.parts[1], "ab {4}\r\n");
  EXPECT_EQ(two.parts[2], "c\r\nd\r\n");
}

TEST(ImapCommand, UsesNonSynchronizingLiteralWithLiteralPlus) {
  auto c = CommandBuilder("a7", "LOGIN", {.literal_plus = true})
               .astring("bot")
               .astring("line\nbreak")
               .build();
  ASSERT_EQ(c.parts.size(), 1U);
  EXPECT_EQ(c.text(), "a7 LOGIN bot {10+}\r\nline\nbreak\r\n");
}

TEST(ImapCommand, QuotesOnlyShortSevenBitText) {
  EXPECT_TRUE(is_quotable("hello world \"x\""));
  EXPECT_FALSE(is_quotable("a\rb"));
  EXPECT_FALSE(is_quotable("\xff"));
  EXPECT_FALSE(is_quotable(std::string(1001, 'a')));
  EXPECT_TRUE(is_quotable(std::string(1000, 'a')));
  EXPECT_FALSE(is_sendable_string(std::string("a\0b", 3)));
}

TEST(ImapCommand, BuildsLogin) {
  auto c = make_login("a1", "bot@example.org", "s3cr3t pw");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->text(), "a1 LOGIN bot@example.org \"s3cr3t pw\"\r\n");
  auto nul = make_login("a1", "bot", std::string("a\0b", 3));
  ASSERT_FALSE(nul.has_value());
  EXPECT_EQ(nul.error().code, Errc::InvalidArgument);
}

TEST(ImapCommand, BuildsAuthenticatePlain) {
  // base64("\0bot\0pw") = "AGJvdABwdw=="
  auto inline_ir = make_authenticate_plain("a2", "bot", "pw", true);
  ASSERT_TRUE(inline_ir.has_value());
  EXPECT_EQ(inline_ir->text(), "a2 AUTHENTICATE PLAIN AGJvdABwdw==\r\n");
  auto two_step = make_authenticate_plain("a3", "bot", "pw", false);
  ASSERT_TRUE(two_step.has_value());
  ASSERT_EQ(two_step->parts.size(), 2U);
  EXPECT_EQ(two_step->parts[0], "a3 AUTHENTICATE PLAIN\r\n");
  EXPECT_EQ(two_step->parts[1], "AGJvdABwdw==\r\n");
}

TEST(ImapCommand, BuildsSequenceSets) {
  EXPECT_EQ(sequence_set({7, 1, 2, 3, 5}), "1:3,5,7");
  EXPECT_EQ(sequence_set({4}), "4");
  EXPECT_EQ(sequence_set({2, 2, 3}), "2:3");
  EXPECT_EQ(sequence_set({4294967295U, 4294967294U}), "4294967294:4294967295");
  EXPECT_EQ(sequence_from(1), "1:*");
  EXPECT_EQ(sequence_from(5), "5:*");
}

TEST(ImapCommand, BuildsUidFetch) {
  EXPECT_EQ(make_uid_fetch("a9", sequence_from(5), "(UID RFC822.SIZE BODY.PEEK[])").text(),
            "a9 UID FETCH 5:* (UID RFC822.SIZE BODY.PEEK[])\r\n");
}

}  // namespace
}  // namespace dcbot::imap
