// SPDX-License-Identifier: MIT
#include "crypto/secret.h"

#include <cstdint>
#include <utility>

#include <gtest/gtest.h>

#include "crypto/keywrap.h"
#include "crypto/ocb.h"
#include "crypto/random.h"

#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define DCBOT_HAVE_MEMCHECK 1
#endif

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

// Every single-bit difference at every position, for the sizes the engine compares (8: key-wrap
// IV, 16: OCB tag, 20: MDC) and around them, and every length mismatch including prefixes.
TEST(ConstantTimeEqual, EveryBitAtEveryPositionAndEveryLengthMismatch) {
  for (std::size_t n = 0; n <= 40; ++n) {
    const Bytes a = random_bytes(n);
    Bytes b = a;
    ASSERT_TRUE(constant_time_equal(a, b)) << n;
    ASSERT_TRUE(constant_time_equal(a, a)) << n;  // Same storage.
    for (std::size_t i = 0; i < n; ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        b[i] = static_cast<std::uint8_t>(b[i] ^ (1 << bit));
        EXPECT_FALSE(constant_time_equal(a, b)) << n << " " << i << " " << bit;
        EXPECT_FALSE(constant_time_equal(b, a)) << n << " " << i << " " << bit;
        b[i] = a[i];
      }
    }
    EXPECT_TRUE(constant_time_equal(a, b)) << n;
    for (std::size_t m = 0; m <= 40; ++m) {
      if (m != n) {
        // A prefix of the other (or the other of it) is not equal either.
        Bytes c = a;
        c.resize(m, 0);
        EXPECT_FALSE(constant_time_equal(a, c)) << n << " " << m;
        EXPECT_FALSE(constant_time_equal(c, a)) << n << " " << m;
      }
    }
  }
  // All byte values against each other at one position, including differences only in the
  // high bit, whose OR must not be lost to truncation.
  for (int x = 0; x < 256; ++x) {
    for (int y = 0; y < 256; ++y) {
      const Bytes a{1, static_cast<std::uint8_t>(x), 2};
      const Bytes b{1, static_cast<std::uint8_t>(y), 2};
      ASSERT_EQ(constant_time_equal(a, b), x == y) << x << " " << y;
    }
  }
}

TEST(ConstantTimeEqual, CountsItsCallsPerThread) {
  const std::uint64_t before = constant_time_equal_calls();
  (void)constant_time_equal(Bytes{1}, Bytes{1});
  (void)constant_time_equal(Bytes{1}, Bytes{1, 2});  // A length mismatch counts too.
  EXPECT_EQ(constant_time_equal_calls(), before + 2);
  (void)(SecretBytes(Bytes{3}) == SecretBytes(Bytes{3}));
  EXPECT_EQ(constant_time_equal_calls(), before + 3);
}

// SECURITY.md 16, without measuring time: the OCB tag check and the key-wrap integrity check go
// through constant_time_equal, once per decryption, on success and on every kind of failure.
TEST(ConstantTimeEqual, OcbTagAndKeyWrapChecksGoThroughIt) {
  const Bytes key = random_bytes(16);
  const Bytes nonce = random_bytes(15);
  const Bytes ad{0xD2, 2};
  const Bytes sealed = *aes_ocb_encrypt(key, nonce, ad, random_bytes(100));
  auto ocb_calls = [&](ByteView input) {
    const std::uint64_t before = constant_time_equal_calls();
    auto r = aes_ocb_decrypt(key, nonce, ad, input);
    return std::pair{r.has_value(), constant_time_equal_calls() - before};
  };
  EXPECT_EQ(ocb_calls(sealed), std::pair(true, std::uint64_t{1}));
  for (std::size_t i :
       {std::size_t{0}, sealed.size() - 17, sealed.size() - 16, sealed.size() - 1}) {
    Bytes bad = sealed;
    bad[i] ^= 0x01;
    EXPECT_EQ(ocb_calls(bad), std::pair(false, std::uint64_t{1})) << i;
  }

  const Bytes kek = random_bytes(16);
  const Bytes wrapped = *aes_key_wrap(kek, random_bytes(24));
  auto kw_calls = [&](ByteView input) {
    const std::uint64_t before = constant_time_equal_calls();
    auto r = aes_key_unwrap(kek, input);
    return std::pair{r.has_value(), constant_time_equal_calls() - before};
  };
  EXPECT_EQ(kw_calls(wrapped), std::pair(true, std::uint64_t{1}));
  for (std::size_t i = 0; i < wrapped.size(); i += 7) {
    Bytes bad = wrapped;
    bad[i] ^= 0x80;
    EXPECT_EQ(kw_calls(bad), std::pair(false, std::uint64_t{1})) << i;
  }
}

// The ctgrind method (no timing): under Valgrind memcheck the compared bytes are marked
// undefined, so any branch or memory index that depends on them is reported as a use of
// uninitialised data. Only the result is declassified. The ctest `crypto_constant_time_memcheck`
// runs this test under valgrind; run directly, it only checks the results.
TEST(ConstantTimeEqual, NoBranchOnTheContentsUnderMemcheck) {
#ifdef DCBOT_HAVE_MEMCHECK
  const bool under_valgrind = RUNNING_ON_VALGRIND != 0;
  const unsigned long errors_before = under_valgrind ? VALGRIND_COUNT_ERRORS : 0;
#endif
  for (std::size_t n : {std::size_t{8}, std::size_t{16}, std::size_t{20}, std::size_t{64}}) {
    const Bytes a = random_bytes(n);
    for (std::size_t diff_at : {n, std::size_t{0}, n / 2, n - 1}) {  // n: no difference.
      Bytes b = a;
      if (diff_at < n) {
        b[diff_at] ^= 0x40;
      }
#ifdef DCBOT_HAVE_MEMCHECK
      Bytes a2 = a;
      VALGRIND_MAKE_MEM_UNDEFINED(a2.data(), a2.size());
      VALGRIND_MAKE_MEM_UNDEFINED(b.data(), b.size());
      bool equal = constant_time_equal(a2, b);
      VALGRIND_MAKE_MEM_DEFINED(&equal, sizeof equal);
#else
      bool equal = constant_time_equal(a, b);
#endif
      EXPECT_EQ(equal, diff_at == n) << n << " " << diff_at;
    }
  }
#ifdef DCBOT_HAVE_MEMCHECK
  if (under_valgrind) {
    EXPECT_EQ(VALGRIND_COUNT_ERRORS, errors_before)
        << "constant_time_equal branched on, or indexed memory by, the compared bytes";
  }
#endif
}

}  // namespace
}  // namespace dcbot::crypto
