// SPDX-License-Identifier: MIT
#include "crypto/secret.h"

#include <utility>

#include <gtest/gtest.h>

namespace dcbot::crypto {
namespace {

TEST(SecretBytes, CopiesAndComparesContents) {
  Bytes raw = {1, 2, 3, 4};
  SecretBytes a(raw);
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(Bytes(a.view().begin(), a.view().end()), raw);
  SecretBytes b = a;
  EXPECT_TRUE(a == b);
  b.data()[3] = 9;
  EXPECT_FALSE(a == b);
}

TEST(SecretBytes, MoveLeavesSourceEmpty) {
  SecretBytes a(Bytes{7, 7, 7});
  SecretBytes b = std::move(a);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is documented
  a = std::move(b);
  EXPECT_EQ(a.size(), 3u);
}

TEST(SecretBytes, SizedConstructorIsZeroed) {
  SecretBytes z(5);
  for (auto byte : z.view()) {
    EXPECT_EQ(byte, 0);
  }
  EXPECT_TRUE(SecretBytes().empty());
}

TEST(SecureWipe, ZeroesBuffer) {
  Bytes buf = {0xff, 0xee, 0xdd};
  secure_wipe(buf.data(), buf.size());
  EXPECT_EQ(buf, (Bytes{0, 0, 0}));
  secure_wipe(nullptr, 0);
}

TEST(ConstantTimeEqual, ComparesLengthAndContents) {
  Bytes a = {1, 2, 3};
  Bytes b = {1, 2, 3};
  Bytes c = {1, 2, 4};
  Bytes d = {1, 2};
  EXPECT_TRUE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(a, c));
  EXPECT_FALSE(constant_time_equal(a, d));
  EXPECT_TRUE(constant_time_equal(ByteView(), ByteView()));
}

}  // namespace
}  // namespace dcbot::crypto
