// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "dcbot/result.h"

// Invite QR codes for the terminal (libqrencode lives here only).
namespace dcbot::cli {

// Draws `text` as a QR code with Unicode half blocks, two modules per character row, for a
// terminal with a dark background (light modules are drawn, like `qrencode -t UTF8`), with a
// two-module quiet zone. Errc::InvalidArgument if the text does not fit in a QR code.
Result<std::string> render_qr(std::string_view text);

}  // namespace dcbot::cli
