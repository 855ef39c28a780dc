// SPDX-License-Identifier: MIT
#include "cli/qr.h"

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace dcbot::cli {
namespace {

// Counts UTF-8 code points.
std::size_t columns(const std::string& line) {
  std::size_t n = 0;
  for (unsigned char c : line) {
    n += (c & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

TEST(Qr, RendersASquareWithQuietZone) {
  std::string link = "https://i.delta.chat/#0123456789ABCDEF0123456789ABCDEF01234567&v=3&x=abc";
  auto qr = render_qr(link);
  ASSERT_TRUE(qr) << qr.error().to_string();
  std::istringstream in(*qr);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  ASSERT_GE(lines.size(), 12U);
  const std::size_t width = columns(lines[0]);
  // Version >= 1 (21 modules) plus 2 + 2 quiet modules, two modules per text row.
  EXPECT_GE(width, 25U);
  EXPECT_EQ(lines.size(), (width + 1) / 2);
  for (const auto& line : lines) {
    EXPECT_EQ(columns(line), width);
  }
  // The quiet zone is light: the first row is all full blocks.
  EXPECT_EQ(lines[0].find(' '), std::string::npos);
}

TEST(Qr, RefusesTooLongText) {
  EXPECT_FALSE(render_qr(std::string(8000, 'x')));
}

}  // namespace
}  // namespace dcbot::cli
