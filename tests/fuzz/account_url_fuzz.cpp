// SPDX-License-Identifier: MIT
// config::parse_account_url on arbitrary bytes: errors are fine, crashes are not.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/account_url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view url(reinterpret_cast<const char*>(data), size);
  auto random = [](std::size_t n) {
    return std::string(n, 'r');
  };
  auto setup = dcbot::config::parse_account_url(url, random);
  if (setup && setup->addr.find('@') == std::string::npos) {
    __builtin_trap();  // Every accepted URL yields an address.
  }
  return 0;
}
