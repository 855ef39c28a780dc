// SPDX-License-Identifier: MIT
#include "base/fingerprint.h"

#include <gtest/gtest.h>

namespace dcbot {
namespace {

TEST(Fingerprint, NormalizeDropsSpacesAndUpperCases) {
  EXPECT_EQ(normalize_fingerprint("3a37 0c44 f1b2 77aa 09d1  e4f0 0b6c 9d7a 5e21 c3d0"),
            "3A370C44F1B277AA09D1E4F00B6C9D7A5E21C3D0");
  EXPECT_EQ(normalize_fingerprint("3A370C44F1B277AA09D1E4F00B6C9D7A5E21C3D0"),
            "3A370C44F1B277AA09D1E4F00B6C9D7A5E21C3D0");
  EXPECT_EQ(normalize_fingerprint(""), "");
  EXPECT_EQ(normalize_fingerprint("   "), "");
}

TEST(Fingerprint, NormalizeKeepsEverythingElse) {
  // Not a validator: only spaces go and only ASCII letters change case.
  EXPECT_EQ(normalize_fingerprint("xyz-1\t2"), "XYZ-1\t2");
  EXPECT_EQ(normalize_fingerprint("caf\xc3\xa9"), "CAF\xc3\xa9");
}

TEST(Fingerprint, IsFingerprintWantsFortyHexDigits) {
  EXPECT_TRUE(is_fingerprint("3A370C44F1B277AA09D1E4F00B6C9D7A5E21C3D0"));
  EXPECT_TRUE(is_fingerprint("3a370c44f1b277aa09d1e4f00b6c9d7a5e21c3d0"));
  EXPECT_FALSE(is_fingerprint("3A370C44F1B277AA09D1E4F00B6C9D7A5E21C3D"));    // 39
  EXPECT_FALSE(is_fingerprint("3A370C44F1B277AA09D1E4F00B6C9D7A5E21C3D00"));  // 41
  EXPECT_FALSE(is_fingerprint("3A370C44F1B277AA09D1E4F00B6C9D7A5E21C3DG"));   // not hex
  EXPECT_FALSE(is_fingerprint("3A37 0C44F1B277AA09D1E4F00B6C9D7A5E21C3D"));   // a space
  EXPECT_FALSE(is_fingerprint(""));
  EXPECT_FALSE(is_fingerprint("bob@example.org"));
}

}  // namespace
}  // namespace dcbot
