// SPDX-License-Identifier: MIT
#include "mime/builder.h"

#include <array>
#include <cstddef>
#include <utility>

#include "base/encoding.h"
#include "mime/address.h"
#include "mime/date.h"
#include "mime/encoded_word.h"

namespace dcbot::mime {
namespace {

std::string to_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // The '\n' adds the CRLF.
    }
    if (text[i] == '\n' || text[i] == '\r') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

void render_into(std::string& out, const Entity& e, const std::vector<HeaderField>& prefix) {
  for (const auto& h : prefix) {
    out += fold_header(h.name, h.raw);
  }
  const bool multi = e.is_multipart();
  std::string ct = e.content_type;
  if (multi) {
    DCBOT_CHECK(!e.boundary.empty(), "multipart entity without boundary");
    ct += ";";
    ct += format_param("boundary", e.boundary);
  }
  out += fold_header("Content-Type", ct);
  for (const auto& h : e.headers) {
    out += fold_header(h.name, h.raw);
  }
  if (!multi) {
    out += fold_header("Content-Transfer-Encoding", transfer_encoding_name(e.transfer_encoding));
  }
  out += "\r\n";
  if (!multi) {
    out += e.body;
    return;
  }
  // RFC 2046 §5.1.1: the CRLF before each delimiter belongs to the delimiter.
  out += "\r\n";
  for (const auto& child : e.children) {
    out += "--";
    out += e.boundary;
    out += "\r\n";
    render_into(out, child, {});
    out += "\r\n";
  }
  out += "--";
  out += e.boundary;
  out += "--\r\n";
}

}  // namespace

std::string encode_text(std::string_view text) {
  return needs_encoding(text) ? encode_words_b(text) : std::string(text);
}

Entity text_part(std::string_view utf8_text) {
  Entity e;
  e.content_type = "text/plain; charset=\"utf-8\"";
  const std::string crlf = to_crlf(utf8_text);
  e.transfer_encoding = choose_text_encoding(as_bytes(crlf));
  switch (e.transfer_encoding) {
    case TransferEncoding::QuotedPrintable:
      e.body = qp_encode(as_bytes(crlf));
      break;
    case TransferEncoding::Base64:
      e.body = base64_body_encode(as_bytes(crlf));
      break;
    case TransferEncoding::SevenBit:
    case TransferEncoding::EightBit:
    case TransferEncoding::Binary:
      e.body = crlf;
      break;
  }
  return e;
}

Entity attachment_part(std::string_view mime_type, std::string_view filename, ByteView data) {
  Entity e;
  e.content_type = std::string(mime_type);
  e.add_header("Content-Disposition", "attachment;" + format_param("filename", filename));
  e.transfer_encoding = TransferEncoding::Base64;
  e.body = base64_body_encode(data);
  return e;
}

Entity multipart(std::string_view subtype, std::vector<Entity> children, std::string boundary,
                 std::string extra_params) {
  Entity e;
  e.content_type = "multipart/" + std::string(subtype) + extra_params;
  e.children = std::move(children);
  e.boundary = std::move(boundary);
  return e;
}

std::string render(const Entity& entity, const std::vector<HeaderField>& prefix) {
  std::string out;
  render_into(out, entity, prefix);
  return out;
}

std::string autocrypt_value(std::string_view addr, ByteView keydata, bool gossip) {
  std::string out = "addr=";
  out += addr;
  if (!gossip) {
    out += "; prefer-encrypt=mutual";
  }
  out += "; keydata=";
  const std::string b64 = base64_encode(keydata);
  constexpr std::size_t kRun = 78;
  constexpr std::size_t kFirst = kRun - std::string_view("keydata=").size();
  for (std::size_t i = 0; i < b64.size(); ++i) {
    if (i >= kFirst && (i - kFirst) % kRun == 0) {
      out += ' ';
    }
    out += b64[i];
  }
  return out;
}

std::string make_message_id(ByteView random16) {
  DCBOT_CHECK(random16.size() == 16, "message id needs 16 random bytes");
  std::array<std::uint8_t, 16> b{};
  std::copy(random16.begin(), random16.end(), b.begin());
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // Version 4.
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // Variant 10.
  const std::string hex = hex_encode(b);
  std::string out = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-"
                    + hex.substr(16, 4) + "-" + hex.substr(20, 12);
  out += "@localhost";
  return out;
}

std::string make_message_id(const RandomFn& random) {
  std::array<std::uint8_t, 16> b{};
  random(b);
  return make_message_id(b);
}

std::string make_boundary(const RandomFn& random) {
  std::array<std::uint8_t, 24> b{};
  random(b);
  const std::string hex = hex_encode(b);
  return hex.substr(0, 16) + "_" + hex.substr(16, 16) + "_" + hex.substr(32, 16);
}

std::string build_encrypted_message(const OuterHeaders& outer, std::string_view armored,
                                    std::string_view boundary) {
  std::vector<HeaderField> prefix = {
      {"From", format_mailbox(Mailbox{{}, outer.from_addr, {}})},
      {"Date", format_date(outer.date)},
      {"Message-ID", format_message_id(outer.message_id)},
      {"MIME-Version", "1.0"},
      {"To", format_address_list({})},
      {"Subject", "[...]"},
  };
  if (outer.chat_version) {
    prefix.push_back({"Chat-Version", "1.0"});
  }
  if (outer.post_message) {
    prefix.push_back({"Chat-Is-Post-Message", "1"});
  }
  Entity control;
  control.content_type = "application/pgp-encrypted; charset=\"utf-8\"";
  control.body = "Version: 1\r\n";
  Entity payload;
  payload.content_type = "application/octet-stream; charset=\"utf-8\"";
  payload.body = to_crlf(armored);
  if (payload.body.size() < 2 || payload.body.compare(payload.body.size() - 2, 2, "\r\n") != 0) {
    payload.body += "\r\n";
  }
  std::vector<Entity> children;
  children.push_back(std::move(control));
  children.push_back(std::move(payload));
  const Entity root = multipart("encrypted", std::move(children), std::string(boundary),
                                ";" + format_param("protocol", "application/pgp-encrypted"));
  return render(root, prefix);
}

std::string render_protected(Entity root, const std::vector<HeaderField>& prefix,
                             const std::vector<HeaderField>& protected_headers) {
  root.content_type += ";";
  root.content_type += format_param("protected-headers", "v1");
  root.content_type += ";";
  root.content_type += format_param("hp", "cipher");
  root.headers.insert(root.headers.begin(), protected_headers.begin(), protected_headers.end());
  return render(root, prefix);
}

std::vector<HeaderField> hp_outer(const std::vector<HeaderField>& outer) {
  std::vector<HeaderField> out;
  out.reserve(outer.size());
  for (const auto& h : outer) {
    out.push_back({"HP-Outer", h.name + ": " + h.raw});
  }
  return out;
}

Entity mdn_report(std::string_view original_message_id,
                  const std::vector<std::string>& additional_message_ids, std::string boundary) {
  std::vector<Entity> children;
  children.push_back(text_part("This is a receipt notification."));
  Entity notification;
  notification.content_type = "message/disposition-notification";
  // RFC 8098 §3.2 fields; 2.62 sends only these (PROTOCOL.md §3.9).
  notification.body = fold_header("Original-Message-ID", format_message_id(original_message_id));
  if (!additional_message_ids.empty()) {
    std::string ids;
    for (const auto& id : additional_message_ids) {
      if (!ids.empty()) {
        ids += ' ';
      }
      ids += format_message_id(id);
    }
    notification.body += fold_header("Additional-Message-IDs", ids);
  }
  notification.body +=
      fold_header("Disposition", "manual-action/MDN-sent-automatically; displayed");
  children.push_back(std::move(notification));
  return multipart("report", std::move(children), std::move(boundary),
                   ";" + format_param("report-type", "disposition-notification"));
}

Entity status_update_report(std::string_view text, std::string_view json, std::string boundary) {
  std::vector<Entity> children;
  children.push_back(text_part(text));
  children.push_back(attachment_part("application/json", "status-update.json", as_bytes(json)));
  return multipart("report", std::move(children), std::move(boundary),
                   ";" + format_param("report-type", "status-update"));
}

}  // namespace dcbot::mime
