// SPDX-License-Identifier: MIT
#include "imap/parser.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace dcbot::imap {
namespace {

// Feeds `wire` to a fresh parser in pieces cut at `cuts` and collects every response.
Result<std::vector<Response>> parse_pieces(const std::string& wire, std::vector<std::size_t> cuts,
                                           ParserLimits limits = {}) {
  Parser parser(limits);
  std::vector<Response> out;
  std::size_t prev = 0;
  cuts.push_back(wire.size());
  for (std::size_t cut : cuts) {
    parser.feed(as_bytes(std::string_view(wire).substr(prev, cut - prev)));
    prev = cut;
    while (true) {
      DCBOT_TRY(auto r, parser.next());
      if (!r) {
        break;
      }
      out.push_back(std::move(*r));
    }
  }
  if (parser.buffered() != 0) {
    return make_error(Errc::Parse, "leftover bytes");
  }
  return out;
}

// Parses `wire` whole, split at every position, and one byte at a time; all must agree.
std::vector<Response> parse_all_ways(const std::string& wire, ParserLimits limits = {}) {
  auto whole = parse_pieces(wire, {}, limits);
  EXPECT_TRUE(whole.has_value()) << (whole ? "" : whole.error().to_string());
  if (!whole) {
    return {};
  }
  for (std::size_t i = 1; i < wire.size(); ++i) {
    auto split = parse_pieces(wire, {i}, limits);
    EXPECT_TRUE(split.has_value()) << "split at " << i;
    if (split) {
      EXPECT_EQ(*split, *whole) << "split at " << i;
    }
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < wire.size(); ++i) {
    every.push_back(i);
  }
  auto bytewise = parse_pieces(wire, every, limits);
  EXPECT_TRUE(bytewise.has_value());
  if (bytewise) {
    EXPECT_EQ(*bytewise, *whole);
  }
  return *whole;
}

Response parse_one(const std::string& wire) {
  auto all = parse_all_ways(wire);
  EXPECT_EQ(all.size(), 1U);
  return all.empty() ? Response{} : all.front();
}

// Expects Errc::Parse for `wire`, also when fed piecewise.
void expect_parse_error(const std::string& wire, ParserLimits limits = {}) {
  auto whole = parse_pieces(wire, {}, limits);
  ASSERT_FALSE(whole.has_value()) << wire;
  EXPECT_EQ(whole.error().code, Errc::Parse);
  for (std::size_t i = 1; i < wire.size(); ++i) {
    auto split = parse_pieces(wire, {i}, limits);
    ASSERT_FALSE(split.has_value()) << "split at " << i;
    EXPECT_EQ(split.error().code, Errc::Parse);
  }
}

TEST(ImapParser, ParsesTaggedOkWithCode) {
  auto r = parse_one("a1 OK [READ-WRITE] SELECT completed\r\n");
  EXPECT_EQ(r.kind, ResponseKind::Tagged);
  EXPECT_EQ(r.tag, "a1");
  EXPECT_EQ(r.status, Status::Ok);
  ASSERT_TRUE(r.code);
  EXPECT_EQ(r.code->name, "READ-WRITE");
  EXPECT_TRUE(r.code->args.empty());
  EXPECT_EQ(r.text, "SELECT completed");
}

TEST(ImapParser, ParsesTaggedNoAndBad) {
  auto no = parse_one("a2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
  EXPECT_EQ(no.status, Status::No);
  EXPECT_EQ(no.code->name, "AUTHENTICATIONFAILED");
  EXPECT_EQ(no.text, "Authentication failed.");
  auto bad = parse_one("x.9 bad Error in IMAP command\r\n");
  EXPECT_EQ(bad.status, Status::Bad);
  EXPECT_EQ(bad.name, "BAD");
  EXPECT_FALSE(bad.code);
  EXPECT_EQ(bad.text, "Error in IMAP command");
  auto bare = parse_one("a3 OK\r\n");
  EXPECT_EQ(bare.status, Status::Ok);
  EXPECT_EQ(bare.text, "");
}

TEST(ImapParser, ParsesUntaggedStatusWithNumericCodes) {
  auto v = parse_one("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
  EXPECT_EQ(v.kind, ResponseKind::Untagged);
  EXPECT_EQ(v.status, Status::Ok);
  ASSERT_TRUE(v.code);
  EXPECT_EQ(v.code->name, "UIDVALIDITY");
  ASSERT_EQ(v.code->args.size(), 1U);
  EXPECT_TRUE(v.code->args[0].is_number());
  EXPECT_EQ(v.code->args[0].number, 3857529045U);
  EXPECT_EQ(v.code->raw, "3857529045");
  auto n = parse_one("* OK [UIDNEXT 4392] Predicted next UID\r\n");
  EXPECT_EQ(n.code->args.at(0).number, 4392U);
  auto c = parse_one("a1 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
  ASSERT_EQ(c.code->args.size(), 3U);
  EXPECT_EQ(c.code->args[1].text, "304,319:320");
  auto p = parse_one("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
  ASSERT_EQ(p.code->args.size(), 1U);
  ASSERT_EQ(p.code->args[0].items.size(), 3U);
  EXPECT_EQ(p.code->args[0].items[2].text, "\\*");
}

TEST(ImapParser, KeepsFreeTextCodesRaw) {
  auto r = parse_one("* NO [ALERT] \"unbalanced text\r\n");
  EXPECT_EQ(r.code->name, "ALERT");
  EXPECT_EQ(r.text, "\"unbalanced text");
  auto x = parse_one("* OK [X-ODD some \"broken] text\r\n");
  EXPECT_EQ(x.code->raw, "some \"broken");
  EXPECT_TRUE(x.code->args.empty());
  EXPECT_EQ(x.text, "text");
}

TEST(ImapParser, ParsesGreetingWithCapabilityCode) {
  auto r = parse_one(
      "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS "
      "AUTH=PLAIN] Dovecot ready.\r\n");
  EXPECT_EQ(r.name, "OK");
  ASSERT_EQ(r.code->args.size(), 9U);
  EXPECT_TRUE(r.code->args[6].is("literal+"));
  EXPECT_TRUE(r.code->args[8].is("AUTH=PLAIN"));
  EXPECT_EQ(r.text, "Dovecot ready.");
}

TEST(ImapParser, ParsesByeAndPreauth) {
  EXPECT_EQ(parse_one("* BYE Logging out\r\n").status, Status::Bye);
  EXPECT_EQ(parse_one("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n").status, Status::PreAuth);
}

TEST(ImapParser, ParsesNumberedData) {
  auto e = parse_one("* 3 EXISTS\r\n");
  EXPECT_EQ(e.name, "EXISTS");
  EXPECT_EQ(e.number, 3U);
  EXPECT_TRUE(e.data.empty());
  EXPECT_EQ(parse_one("* 2 expunge\r\n").name, "EXPUNGE");
  EXPECT_EQ(parse_one("* 0 RECENT\r\n").number, 0U);
}

TEST(ImapParser, ParsesCapabilityFlagsSearchAndId) {
  auto c = parse_one("* CAPABILITY IMAP4rev1 IDLE UIDPLUS MOVE XCHATMAIL\r\n");
  EXPECT_EQ(c.name, "CAPABILITY");
  ASSERT_EQ(c.data.size(), 5U);
  EXPECT_TRUE(c.data[4].is("XCHATMAIL"));
  auto f = parse_one("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n");
  ASSERT_EQ(f.data.size(), 1U);
  EXPECT_EQ(f.data[0].items.size(), 5U);
  auto s = parse_one("* SEARCH 2 3 6\r\n");
  ASSERT_EQ(s.data.size(), 3U);
  EXPECT_EQ(s.data[2].number, 6U);
  EXPECT_TRUE(parse_one("* SEARCH\r\n").data.empty());
  auto id = parse_one("* ID (\"name\" \"Dovecot\" \"version\" NIL)\r\n");
  ASSERT_EQ(id.data.size(), 1U);
  ASSERT_EQ(id.data[0].items.size(), 4U);
  EXPECT_TRUE(id.data[0].items[1].is_string());
  EXPECT_EQ(id.data[0].items[1].text, "Dovecot");
  EXPECT_TRUE(id.data[0].items[3].is_nil());
  EXPECT_TRUE(parse_one("* ID NIL\r\n").data.at(0).is_nil());
}

TEST(ImapParser, ParsesFetchWithLiteralBody) {
  std::string body = "From: a@b\r\nSubject: hi\r\n\r\nline {5}\r\n) \" *\r\n";
  std::string wire = "* 1 FETCH (UID 42 RFC822.SIZE " + std::to_string(body.size())
                     + " FLAGS (\\Seen $Forwarded) BODY[] {" + std::to_string(body.size()) + "}\r\n"
                     + body + ")\r\n";
  auto r = parse_one(wire);
  EXPECT_EQ(r.name, "FETCH");
  EXPECT_EQ(r.number, 1U);
  ASSERT_NE(r.fetch_item("uid"), nullptr);
  EXPECT_EQ(r.fetch_item("UID")->number, 42U);
  EXPECT_EQ(r.fetch_item("RFC822.SIZE")->number, body.size());
  EXPECT_EQ(r.fetch_item("FLAGS")->items.size(), 2U);
  ASSERT_NE(r.fetch_item("BODY[]"), nullptr);
  EXPECT_TRUE(r.fetch_item("BODY[]")->is_string());
  EXPECT_EQ(r.fetch_item("BODY[]")->text, body);
  EXPECT_EQ(r.fetch_item("BODY[TEXT]"), nullptr);
}

TEST(ImapParser, ParsesSectionsWithSpacesAndMultipleLiterals) {
  using namespace std::string_literals;
  std::string wire =
      "* 7 FETCH (BODY[HEADER.FIELDS (MESSAGE-ID DATE)] {4}\r\nab\r\n BODY[]<0> {0}\r\n"
      " UID 9 X ~{3}\r\n\0\1\2)\r\n"s;
  auto r = parse_one(wire);
  EXPECT_EQ(r.fetch_item("BODY[HEADER.FIELDS (MESSAGE-ID DATE)]")->text, "ab\r\n");
  EXPECT_EQ(r.fetch_item("BODY[]<0>")->text, "");
  EXPECT_EQ(r.fetch_item("UID")->number, 9U);
  EXPECT_EQ(r.fetch_item("X")->text, std::string("\0\1\2", 3));
}

TEST(ImapParser, ParsesNonSynchronizingLiteral) {
  auto r = parse_one("* 1 FETCH (BODY[] {3+}\r\nabc)\r\n");
  EXPECT_EQ(r.fetch_item("BODY[]")->text, "abc");
}

TEST(ImapParser, ParsesQuotedStringsWithEscapes) {
  auto r = parse_one("* LIST (\\HasNoChildren) \"/\" \"a \\\"b\\\" \\\\c\"\r\n");
  ASSERT_EQ(r.data.size(), 3U);
  EXPECT_EQ(r.data[1].text, "/");
  EXPECT_EQ(r.data[2].text, "a \"b\" \\c");
  auto e = parse_one("* X \"\"\r\n");
  EXPECT_TRUE(e.data.at(0).is_string());
  EXPECT_EQ(e.data.at(0).text, "");
}

TEST(ImapParser, ParsesNestedListsAndBodystructure) {
  auto r = parse_one(
      "* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 5 1)"
      "(\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 10) \"mixed\") UID 3)\r\n");
  const Value* bs = r.fetch_item("BODYSTRUCTURE");
  ASSERT_NE(bs, nullptr);
  ASSERT_EQ(bs->items.size(), 3U);
  EXPECT_EQ(bs->items[0].items[2].items[1].text, "utf-8");
  EXPECT_EQ(bs->items[2].text, "mixed");
  EXPECT_EQ(r.fetch_item("UID")->number, 3U);
  auto empty = parse_one("* X () ((()))\r\n");
  EXPECT_TRUE(empty.data.at(0).items.empty());
}

TEST(ImapParser, ParsesContinuations) {
  auto r = parse_one("+ Ready for literal data\r\n");
  EXPECT_TRUE(r.is_continuation());
  EXPECT_EQ(r.text, "Ready for literal data");
  EXPECT_EQ(parse_one("+\r\n").text, "");
  EXPECT_EQ(parse_one("+ \r\n").text, "");
  EXPECT_EQ(parse_one("+ idling\r\n").text, "idling");
}

TEST(ImapParser, ParsesSeveralResponsesFromOneRead) {
  auto all = parse_all_ways(
      "* 4 EXISTS\r\n* 1 RECENT\r\n* OK [UIDNEXT 5] x\r\n* 1 FETCH (UID 4 BODY[] {2}\r\nhi)\r\n"
      "a1 OK done\r\n+ go\r\n");
  ASSERT_EQ(all.size(), 6U);
  EXPECT_EQ(all[0].number, 4U);
  EXPECT_EQ(all[3].fetch_item("BODY[]")->text, "hi");
  EXPECT_EQ(all[4].tag, "a1");
  EXPECT_TRUE(all[5].is_continuation());
}

TEST(ImapParser, ParsesLargeLiteralSplitAcrossReads) {
  std::string body(300000, 'x');
  for (std::size_t i = 0; i < body.size(); i += 77) {
    body[i] = static_cast<char>('a' + i % 26);
  }
  std::string wire = "* 9 FETCH (UID 10 BODY[] {" + std::to_string(body.size()) + "}\r\n" + body
                     + ")\r\na9 OK Fetch completed.\r\n";
  std::vector<std::size_t> cuts;
  for (std::size_t i = 4096; i < wire.size(); i += 4096) {
    cuts.push_back(i);
  }
  auto all = parse_pieces(wire, cuts);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 2U);
  EXPECT_EQ((*all)[0].fetch_item("BODY[]")->text, body);
  EXPECT_EQ((*all)[1].status, Status::Ok);
}

TEST(ImapParser, ReturnsNothingUntilComplete) {
  Parser parser;
  parser.feed(as_bytes("* 1 FETCH (BODY[] {10}\r\n12345"));
  auto r = parser.next();
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(*r);
  parser.feed(as_bytes("67890)"));
  EXPECT_FALSE(*parser.next());
  parser.feed(as_bytes("\r\n"));
  auto done = parser.next();
  ASSERT_TRUE(done && *done);
  EXPECT_EQ((*done)->fetch_item("BODY[]")->text, "1234567890");
  EXPECT_EQ(parser.buffered(), 0U);
}

TEST(ImapParser, RejectsGarbage) {
  for (const char* wire : {"\r\n",
                           "*\r\n",
                           "* \r\n",
                           "a1\r\n",
                           "a1 MAYBE yes\r\n",
                           "a1 BYE x\r\n",
                           "+ x\n",
                           "* 1\r\n",
                           "* 1 FETCH (UID 1\r\n",
                           "* 1 FETCH UID 1)\r\n",
                           "* X \"abc\r\n",
                           "* X \"a\\b\"\r\n",
                           "* X {3}\r\nab\r\n",
                           "* X {x}\r\n",
                           "* X {99999999999999999999}\r\n",
                           "(\r\n",
                           "* 99999999999999999999 EXISTS\r\n",
                           "* X BODY[HEADER\r\n",
                           "* X a\rb\r\n",
                           "* OK [UIDNEXT 5 x\r\n",
                           "* X \"a\"\"b\"\r\n",
                           "a+1 OK x\r\n",
                           "* X {2}\r\nabc\r\n"}) {
    SCOPED_TRACE(wire);
    expect_parse_error(wire);
  }
}

TEST(ImapParser, StaysFailedAfterAnError) {
  Parser parser;
  parser.feed(as_bytes("garbage\r\n* 1 EXISTS\r\n"));
  auto first = parser.next();
  ASSERT_FALSE(first.has_value());
  auto second = parser.next();
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error(), first.error());
}

TEST(ImapParser, EnforcesLineLimit) {
  ParserLimits limits;
  limits.max_line_length = 32;
  auto ok = parse_pieces("* 1 FETCH (BODY[] {40}\r\n" + std::string(40, 'y') + ")\r\n", {}, limits);
  EXPECT_TRUE(ok.has_value());
  expect_parse_error("* SEARCH 1 2 3 4 5 6 7 8 9 10 11 12 13\r\n", limits);
  // Also without any line end in sight.
  Parser parser(limits);
  parser.feed(as_bytes(std::string(33, 'a')));
  EXPECT_FALSE(parser.next().has_value());
}

TEST(ImapParser, EnforcesLiteralAndResponseLimits) {
  ParserLimits limits;
  limits.max_literal_size = 8;
  limits.max_response_size = 64;
  expect_parse_error("* 1 FETCH (BODY[] {9}\r\n123456789)\r\n", limits);
  // A literal announcement alone is rejected before its bytes arrive.
  Parser parser(limits);
  parser.feed(as_bytes("* 1 FETCH (BODY[] {4294967296}\r\n"));
  EXPECT_FALSE(parser.next().has_value());
  std::string many = "* 1 FETCH (";
  for (int i = 0; i < 8; ++i) {
    many += "A {8}\r\n12345678 ";
  }
  many += ")\r\n";
  expect_parse_error(many, limits);
}

TEST(ImapParser, EnforcesNestingLimit) {
  ParserLimits limits;
  limits.max_depth = 4;
  EXPECT_TRUE(parse_pieces("* X ((((a))))\r\n", {}, limits).has_value());
  expect_parse_error("* X (((((a)))))\r\n", limits);
  std::string deep = "* X " + std::string(100000, '(') + "\r\n";
  EXPECT_FALSE(parse_pieces(deep, {}).has_value());
}

TEST(ImapParser, ParseResponseRequiresExactlyOne) {
  EXPECT_TRUE(parse_response(as_bytes("* 1 EXISTS\r\n")).has_value());
  EXPECT_FALSE(parse_response(as_bytes("* 1 EXISTS")).has_value());
  EXPECT_FALSE(parse_response(as_bytes("* 1 EXISTS\r\n* 2 EXISTS\r\n")).has_value());
}

}  // namespace
}  // namespace dcbot::imap
