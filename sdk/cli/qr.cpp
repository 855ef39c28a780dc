// SPDX-License-Identifier: MIT
#include "cli/qr.h"

#include <memory>
#include <string>

#include <qrencode.h>

namespace dcbot::cli {
namespace {

constexpr int kMargin = 2;

struct QrFree {
  void operator()(QRcode* qr) const { QRcode_free(qr); }
};

}  // namespace

Result<std::string> render_qr(std::string_view text) {
  std::string input(text);
  // Medium error correction: the links are ~200 bytes, still a small code.
  std::unique_ptr<QRcode, QrFree> qr(
      QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!qr) {
    return make_error(Errc::InvalidArgument, "qr: cannot encode the text");
  }
  const int width = qr->width;
  const int size = width + 2 * kMargin;
  // Light (not dark) at (x, y) in quiet-zone coordinates.
  auto light = [&](int x, int y) {
    x -= kMargin;
    y -= kMargin;
    if (x < 0 || y < 0 || x >= width || y >= width) {
      return true;
    }
    return (qr->data[y * width + x] & 1) == 0;
  };
  std::string out;
  for (int y = 0; y < size; y += 2) {
    for (int x = 0; x < size; ++x) {
      bool top = light(x, y);
      bool bottom = y + 1 < size ? light(x, y + 1) : false;
      if (top && bottom) {
        out += "\u2588";
      } else if (top) {
        out += "\u2580";
      } else if (bottom) {
        out += "\u2584";
      } else {
        out += " ";
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace dcbot::cli
