// SPDX-License-Identifier: MIT
#include "mime/date.h"

#include <gtest/gtest.h>

namespace dcbot::mime {
namespace {

TEST(Date, ParsesCoreDates) {
  // date -u -d "2026-11-18 13:39:21" +%s
  EXPECT_EQ(parse_date("Wed, 18 Nov 2026 13:39:21 +0000").value(), 1795009161);
  EXPECT_EQ(parse_date("Mon, 23 Nov 2026 01:13:18 +0000 (UTC)").value(), 1795396398);
}

TEST(Date, AppliesZonesAndObsoleteForms) {
  EXPECT_EQ(parse_date("Thu, 01 Jan 1970 01:00:00 +0100").value(), 0);
  EXPECT_EQ(parse_date("1 Jan 1970 00:00 -0130").value(), 5400);
  EXPECT_EQ(parse_date("Thu, 1 Jan 70 00:00:00 GMT").value(), 0);
  EXPECT_EQ(parse_date("1 Jan 1970 00:00:00 EST").value(), 5 * 3600);
  EXPECT_EQ(parse_date("1 Jan 1970 00:00:00 PDT").value(), 7 * 3600);
  EXPECT_EQ(parse_date("1 Jan 2000 00:00:00").value(), 946684800);
  EXPECT_EQ(parse_date("29 Feb 2024 12:00:00 Z").value(), 1709208000);
  EXPECT_EQ(parse_date("1 Jan 49 00:00:00 +0000").value(),
            parse_date("1 Jan 2049 00:00:00 +0000").value());
}

TEST(Date, RejectsGarbage) {
  for (const char* bad :
       {"", "yesterday", "32 Jan 2020 00:00:00 +0000", "1 Foo 2020 00:00:00 +0000",
        "1 Jan 2020 25:00:00 +0000", "1 Jan 2020 00:00:00 +99", "1 Jan 2020 0000 +0000",
        "1 Jan 2020 00:00:00 XYZ"}) {
    EXPECT_TRUE(parse_date(bad).has_error()) << bad;
  }
}

TEST(Date, FormatsRfc5322AndRoundTrips) {
  EXPECT_EQ(format_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(format_date(1795009161), "Wed, 18 Nov 2026 13:39:21 +0000");
  EXPECT_EQ(format_date(-1), "Wed, 31 Dec 1969 23:59:59 +0000");
  for (std::int64_t t : {0LL, 951782400LL, 1709208000LL, 4102444799LL, 1795396398LL}) {
    EXPECT_EQ(parse_date(format_date(t)).value(), t);
  }
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
}

}  // namespace
}  // namespace dcbot::mime
