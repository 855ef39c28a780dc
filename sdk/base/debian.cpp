// SPDX-License-Identifier: MIT
#include "base/debian.h"

#include "base/encoding.h"

namespace dcbot::debian {
namespace {

// The fields of one paragraph that matter here.
struct Paragraph {
  std::string_view package, architecture, version, status;

  void add_to(std::vector<Package>& out) const {
    if (!package.empty() && !version.empty() && status == "install ok installed") {
      out.push_back({std::string(package), std::string(architecture), std::string(version)});
    }
  }
};

}  // namespace

std::vector<Package> installed_packages(std::string_view status) {
  std::vector<Package> out;
  Paragraph paragraph;
  while (!status.empty()) {
    auto end = status.find('\n');
    std::string_view line = status.substr(0, end);
    status = end == std::string_view::npos ? std::string_view{} : status.substr(end + 1);
    if (trim_line(line).empty()) {  // a paragraph ends
      paragraph.add_to(out);
      paragraph = {};
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      continue;  // a continuation line of a multi-line field (Description, Conffiles)
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    std::string_view field = line.substr(0, colon);
    std::string_view value = trim_line(line.substr(colon + 1));
    if (field == "Package") {
      paragraph.package = value;
    } else if (field == "Architecture") {
      paragraph.architecture = value;
    } else if (field == "Version") {
      paragraph.version = value;
    } else if (field == "Status") {
      paragraph.status = value;
    }
  }
  paragraph.add_to(out);
  return out;
}

std::vector<Outdated> outdated(std::span<const BuiltIn> built_in,
                               std::span<const Package> installed) {
  std::vector<Outdated> out;
  for (const auto& lib : built_in) {
    for (const auto& package : installed) {
      if (package.name == lib.package && package.architecture == lib.architecture
          && package.version != lib.version) {
        out.push_back(
            {std::string(lib.library), package.name, std::string(lib.version), package.version});
      }
    }
  }
  return out;
}

}  // namespace dcbot::debian
