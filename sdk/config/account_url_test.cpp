// SPDX-License-Identifier: MIT
#include "config/account_url.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dcbot::config {
namespace {

using ::testing::HasSubstr;

std::string counting(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(static_cast<char>(i));
  }
  return out;
}

TEST(AccountUrl, DcloginWithServersAndCertificateChecks) {
  auto s = parse_account_url(
      "dclogin:bot@example.org/?p=s%20e+cret%26&v=1&ih=imap.example.org&ip=993&is=ssl&iu=botuser"
      "&sh=smtp.example.org&sp=587&ss=starttls&ic=3",
      counting);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->addr, "bot@example.org");
  EXPECT_EQ(s->password, "s e cret&");
  ASSERT_TRUE(s->imap);
  EXPECT_EQ(s->imap->host, "imap.example.org");
  EXPECT_EQ(s->imap->port, 993);
  EXPECT_EQ(s->imap->security, Security::Tls);
  EXPECT_EQ(s->imap->user, "botuser");
  ASSERT_TRUE(s->smtp);
  EXPECT_EQ(s->smtp->port, 587);
  EXPECT_EQ(s->smtp->security, Security::StartTls);
  EXPECT_FALSE(s->tls_verify);
  EXPECT_FALSE(s->created);
}

TEST(AccountUrl, DcloginMinimalForms) {
  for (const char* url : {"dclogin:me@host.test?p=pw", "DCLOGIN://me@host.test/?p=pw&v=1",
                          "  dclogin:me@host.test/?p=pw\n"}) {
    auto s = parse_account_url(url, counting);
    ASSERT_TRUE(s) << url << ": " << s.error().to_string();
    EXPECT_EQ(s->addr, "me@host.test");
    EXPECT_EQ(s->password, "pw");
    EXPECT_FALSE(s->imap);
    EXPECT_FALSE(s->smtp);
    EXPECT_TRUE(s->tls_verify);
  }
  // A port alone fills in the address's domain as the host.
  auto s = parse_account_url("dclogin:me@host.test?p=pw&ip=1993", counting);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->imap);
  EXPECT_EQ(s->imap->host, "host.test");
  EXPECT_EQ(s->imap->port, 1993);
}

TEST(AccountUrl, DcaccountInventsAChatmailAddress) {
  for (const char* url : {"DCACCOUNT:nine.testrun.org", "dcaccount:https://nine.testrun.org/new",
                          "DCACCOUNT:https://nine.testrun.org:443/cgi-bin/newemail.py"}) {
    auto s = parse_account_url(url, counting);
    ASSERT_TRUE(s) << url << ": " << s.error().to_string();
    EXPECT_EQ(s->addr, "abcdefghi@nine.testrun.org") << url;
    EXPECT_EQ(s->password.size(), 24U);
    EXPECT_TRUE(s->created);
    EXPECT_FALSE(s->imap);
  }
}

TEST(AccountUrl, MistakesAreParseErrors) {
  struct Case {
    const char* url;
    const char* error;
  };

  for (const Case& c : {
           Case{"mailto:me@host.test", "expected a dclogin: or DCACCOUNT: URL"},
           Case{"dclogin:me@host.test", "no password"},
           Case{"dclogin:nobody?p=x", "is not an address"},
           Case{"dclogin:me@host.test?p=x&p=y", "given twice"},
           Case{"dclogin:me@host.test?p=%zz", "not hexadecimal"},
           Case{"dclogin:me@host.test?p=%4", "cut off"},
           Case{"dclogin:me@host.test?p=a%0Ab", "control characters"},
           Case{"dclogin:me@host.test?p=x&ip=70000", "is not a port"},
           Case{"dclogin:me@host.test?p=x&is=tls", "expected ssl, starttls, plain or default"},
           Case{"dclogin:me@host.test?p=x&v=2", "version 2"},
           Case{"dclogin:me@host.test?p=x&spw=y", "separate SMTP password"},
           Case{"dclogin:me@host.test?p=x&ic=9", "ic=9"},
           Case{"dclogin:me@host.test?p=x&ih=bad%20host", "is not a host"},
           Case{"DCACCOUNT:", "expected a host name"},
           Case{"DCACCOUNT:http://plain.example", "only https://"},
       }) {
    auto s = parse_account_url(c.url, counting);
    ASSERT_FALSE(s) << c.url;
    EXPECT_EQ(s.error().code, Errc::Parse) << c.url;
    EXPECT_THAT(s.error().message, HasSubstr(c.error)) << c.url;
  }
  EXPECT_FALSE(parse_account_url("dclogin:me@host.test?p=" + std::string(5000, 'x'), counting));
}

}  // namespace
}  // namespace dcbot::config
