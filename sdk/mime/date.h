// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dcbot/result.h"

// RFC 5322 §3.3 date-time <-> unix seconds.
namespace dcbot::mime {

// Parses "Wed, 18 Nov 2026 13:39:21 +0000" (day of week and seconds optional, comments such as
// "(UTC)" ignored, obsolete zones of §4.3: UT, GMT, EST..PDT, military letters as +0000, two- and
// three-digit years). Errc::Parse on anything else or on out-of-range fields.
Result<std::int64_t> parse_date(std::string_view raw);

// Formats unix seconds as an RFC 5322 date-time in UTC: "Wed, 18 Nov 2026 13:39:21 +0000".
std::string format_date(std::int64_t unix_seconds);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12).
std::int64_t days_from_civil(std::int64_t year, int month, int day);

}  // namespace dcbot::mime
