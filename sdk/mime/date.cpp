// SPDX-License-Identifier: MIT
#include "mime/date.h"

#include <array>
#include <cstddef>
#include <vector>

#include "mime/header.h"

namespace dcbot::mime {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDays = {
    "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01 was a Thursday.
constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool parse_uint(std::string_view s, int& out) {
  if (s.empty() || s.size() > 9) {
    return false;
  }
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// Splits on whitespace and commas, dropping (comments).
std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  int depth = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '(') {
      ++depth;
      ++i;
    } else if (c == ')') {
      depth = depth > 0 ? depth - 1 : 0;
      ++i;
    } else if (depth > 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',') {
      ++i;
    } else {
      const std::size_t start = i;
      while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n'
             && s[i] != ',' && s[i] != '(') {
        ++i;
      }
      out.push_back(s.substr(start, i - start));
    }
  }
  return out;
}

bool parse_zone(std::string_view z, int& offset_seconds) {
  if (z.size() == 5 && (z[0] == '+' || z[0] == '-')) {
    int hh = 0;
    int mm = 0;
    if (!parse_uint(z.substr(1, 2), hh) || !parse_uint(z.substr(3, 2), mm) || mm > 59) {
      return false;
    }
    offset_seconds = (hh * 3600 + mm * 60) * (z[0] == '-' ? -1 : 1);
    return true;
  }
  const std::string l = to_lower(z);
  // RFC 5322 §4.3 obs-zone.
  if (l == "ut" || l == "gmt" || l == "utc" || l == "z") {
    offset_seconds = 0;
  } else if (l == "edt") {
    offset_seconds = -4 * 3600;
  } else if (l == "est" || l == "cdt") {
    offset_seconds = -5 * 3600;
  } else if (l == "cst" || l == "mdt") {
    offset_seconds = -6 * 3600;
  } else if (l == "mst" || l == "pdt") {
    offset_seconds = -7 * 3600;
  } else if (l == "pst") {
    offset_seconds = -8 * 3600;
  } else if (l.size() == 1 && l[0] >= 'a' && l[0] <= 'z' && l[0] != 'j') {
    offset_seconds = 0;  // §4.3: military zones "SHOULD be considered equivalent to -0000".
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  // Shift the year to start in March so the leap day is last; then count 400-year eras.
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t yoe = year - era * 400;
  const std::int64_t mp = (month + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Result<std::int64_t> parse_date(std::string_view raw) {
  std::vector<std::string_view> w = words(raw);
  if (!w.empty() && !w[0].empty() && (w[0][0] < '0' || w[0][0] > '9')) {
    w.erase(w.begin());  // Optional day-of-week; not cross-checked (§3.3 says it SHOULD match).
  }
  if (w.size() < 4) {
    return make_error(Errc::Parse, "mime: date: too few fields");
  }
  int day = 0;
  int year = 0;
  if (!parse_uint(w[0], day) || day < 1 || day > 31) {
    return make_error(Errc::Parse, "mime: date: bad day");
  }
  int month = 0;
  const std::string mon = to_lower(w[1].substr(0, 3));
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (w[1].size() >= 3 && mon == kMonths[i]) {
      month = static_cast<int>(i) + 1;
    }
  }
  if (month == 0) {
    return make_error(Errc::Parse, "mime: date: bad month");
  }
  if (!parse_uint(w[2], year) || year > 99999) {
    return make_error(Errc::Parse, "mime: date: bad year");
  }
  // §4.3: two-digit years < 50 are 20xx, others 19xx; three digits add 1900.
  if (w[2].size() == 2) {
    year += year < 50 ? 2000 : 1900;
  } else if (w[2].size() == 3) {
    year += 1900;
  }
  // Time: "hh:mm[:ss]".
  const std::string_view t = w[3];
  int hh = 0;
  int mm = 0;
  int ss = 0;
  const std::size_t c1 = t.find(':');
  if (c1 == std::string_view::npos) {
    return make_error(Errc::Parse, "mime: date: bad time");
  }
  const std::size_t c2 = t.find(':', c1 + 1);
  const std::string_view min_part =
      c2 == std::string_view::npos ? t.substr(c1 + 1) : t.substr(c1 + 1, c2 - c1 - 1);
  if (!parse_uint(t.substr(0, c1), hh) || !parse_uint(min_part, mm)
      || (c2 != std::string_view::npos && !parse_uint(t.substr(c2 + 1), ss)) || hh > 23 || mm > 59
      || ss > 60) {
    return make_error(Errc::Parse, "mime: date: bad time");
  }
  int offset = 0;
  if (w.size() >= 5 && !parse_zone(w[4], offset)) {
    return make_error(Errc::Parse, "mime: date: bad zone");
  }
  const std::int64_t days = days_from_civil(year, month, day);
  return days * 86400 + hh * 3600 + mm * 60 + ss - offset;
}

std::string format_date(std::int64_t unix_seconds) {
  std::int64_t days = unix_seconds / 86400;
  std::int64_t secs = unix_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  // Inverse of days_from_civil.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  std::int64_t dow = days % 7;
  if (dow < 0) {
    dow += 7;
  }
  auto two = [](std::int64_t v) {
    std::string s = std::to_string(v);
    return s.size() < 2 ? "0" + s : s;
  };
  std::string out;
  out += kDays[static_cast<std::size_t>(dow)];
  out += ", ";
  out += two(day);
  out += ' ';
  out += kMonthNames[static_cast<std::size_t>(month - 1)];
  out += ' ';
  out += std::to_string(year);
  out += ' ';
  out += two(secs / 3600) + ":" + two(secs / 60 % 60) + ":" + two(secs % 60);
  out += " +0000";
  return out;
}

}  // namespace dcbot::mime
