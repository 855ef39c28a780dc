// SPDX-License-Identifier: MIT
// Reading any dpkg status file never crashes; what it reads written back is read the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/debian.h"
#include "dcbot/result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto packages = dcbot::debian::installed_packages(text);
  std::string again;
  for (const auto& p : packages) {
    DCBOT_CHECK(!p.name.empty() && !p.version.empty(), "installed package without name or version");
    again += "Package: " + p.name + "\nStatus: install ok installed\nArchitecture: "
             + p.architecture + "\nVersion: " + p.version + "\n\n";
  }
  auto reread = dcbot::debian::installed_packages(again);
  DCBOT_CHECK(reread.size() == packages.size(), "round trip count");
  for (std::size_t i = 0; i < packages.size(); ++i) {
    DCBOT_CHECK(reread[i].name == packages[i].name && reread[i].version == packages[i].version
                    && reread[i].architecture == packages[i].architecture,
                "round trip");
  }
  const dcbot::debian::BuiltIn built_in[] = {{"OpenSSL", "libssl3", "amd64", "3.0.19-1~deb12u2"}};
  (void)dcbot::debian::outdated(built_in, packages);
  return 0;
}
