// SPDX-License-Identifier: MIT
// The group, webxdc, reaction, edit and delete actions of the public dcbot::Bot (issue #7;
// docs/groups-webxdc.md). Each runs in the open transaction of a handler, or in its own one
// (Bot::Impl::with_txn), exactly like MessageEvent::reply.
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "chat/group.h"
#include "chat/securejoin.h"
#include "chat/webxdc.h"
#include "chat/xdc_archive.h"
#include "dcbot/log.h"
#include "runtime/bot.h"
#include "store/chats.h"
#include "store/contacts.h"
#include "store/runtime_tables.h"

namespace dcbot {
namespace {

namespace fs = std::filesystem;
using Mails = std::vector<chat::OutgoingMail>;

Result<Mails> one(Result<chat::OutgoingMail> mail) {
  DCBOT_TRY(auto m, std::move(mail));
  return Mails{std::move(m)};
}

// Runs `build` through with_txn; for actions that return nothing.
Result<> run(Bot::Impl& impl, const Bot::Impl::Builder& build) {
  auto mails = impl.with_txn(build);
  if (!mails) {
    return mails.error();
  }
  return {};
}

Result<store::Chat> load_group(store::Db& db, ChatId group) {
  store::Chats chats(db);
  DCBOT_TRY(auto chat, chats.get(group));
  if (!chat || chat->type != store::ChatType::Group) {
    return make_error(Errc::NotFound, "bot: no such group");
  }
  return *chat;
}

// Where the admin group's chat id is kept (the runtime's own PluginKv namespace).
constexpr std::string_view kAdminStore = "dcbot:admin";
constexpr std::string_view kAdminGroupKey = "group";

Result<ChatId> stored_admin_group(store::Db& db) {
  DCBOT_TRY(auto value, store::PluginKv(db).get(kAdminStore, kAdminGroupKey));
  if (!value) {
    return ChatId{0};
  }
  const std::string text(value->begin(), value->end());
  try {
    return ChatId{std::stoll(text)};
  } catch (const std::exception&) {
    return make_error(Errc::Parse, "bot: the stored admin group id is no number: " + text);
  }
}

}  // namespace

bool Bot::Impl::in_admin_group(const std::string& fingerprint) {
  auto group = owner->admin_group();
  if (!group) {
    return false;
  }
  auto members = chat::group_members(*account, *group);
  if (!members) {
    log::error("bot: admin group members: {}", members.error().to_string());
    return false;
  }
  return std::binary_search(members->begin(), members->end(), fingerprint);
}

std::optional<ChatId> Bot::admin_group() const {
  // Read each time (one indexed row): `dcbot admin` may create the group while the bot runs.
  auto stored = stored_admin_group(impl_->engine->db());
  if (!stored) {
    log::error("{}", stored.error().to_string());
    return std::nullopt;
  }
  if (*stored == 0) {
    return std::nullopt;
  }
  auto member = chat::is_group_member(*impl_->account, *stored);
  if (!member || !*member) {
    return std::nullopt;
  }
  return *stored;
}

Result<ChatId> Bot::create_admin_group(std::string_view name) {
  store::Db& db = impl_->engine->db();
  DCBOT_TRY(ChatId existing, stored_admin_group(db));
  if (existing != 0) {
    DCBOT_TRY(bool member, chat::is_group_member(*impl_->account, existing));
    if (member) {
      return existing;
    }
    log::info("bot: the bot is no member of its admin group {} any more: making a new one",
              existing);
  }
  std::string title(name);
  if (title.empty()) {
    title =
        (impl_->options.display_name.empty() ? addr() : impl_->options.display_name) + " admins";
  }
  ChatId group = 0;
  auto made = run(*impl_, [&](std::int64_t now) -> Result<Mails> {
    DCBOT_TRY(group, chat::create_group(*impl_->account, title, {}, now));
    const std::string id = std::to_string(group);
    DCBOT_TRY(store::PluginKv(db).put(kAdminStore, kAdminGroupKey, to_bytes(id)));
    return Mails{};
  });
  if (!made) {
    return made.error();
  }
  log::info("bot: created the admin group \"{}\"", title);
  return group;
}

void Bot::on_group_joined(GroupJoinedHandler handler) {
  impl_->group_joined_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_member_added(MemberAddedHandler handler) {
  impl_->member_added_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_member_removed(MemberRemovedHandler handler) {
  impl_->member_removed_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_group_removed(GroupRemovedHandler handler) {
  impl_->group_removed_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_group_renamed(GroupRenamedHandler handler) {
  impl_->group_renamed_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_group_avatar(GroupAvatarHandler handler) {
  impl_->group_avatar_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_webxdc_update(WebxdcUpdateHandler handler) {
  impl_->webxdc_handlers.push_back(std::move(handler), impl_->current_owner);
}

Result<ChatId> Bot::create_group(std::string_view name, const std::vector<std::string>& members) {
  std::vector<std::string> fprs;
  for (const auto& m : members) {
    DCBOT_TRY(auto fpr, impl_->resolve_contact(m));
    fprs.push_back(std::move(fpr));
  }
  ChatId id = 0;
  auto created = run(*impl_, [&](std::int64_t now) -> Result<Mails> {
    DCBOT_TRY(id, chat::create_group(*impl_->account, name, fprs, now));
    return Mails{};
  });
  if (!created) {
    return created.error();
  }
  log::info("bot: created group {} ({}) with {} members", id, name, fprs.size());
  return id;
}

Result<> Bot::add_member(ChatId group, std::string_view contact) {
  DCBOT_TRY(auto fpr, impl_->resolve_contact(contact));
  return run(*impl_, [&](std::int64_t now) {
    return one(chat::build_add_member(*impl_->account, group, fpr, now));
  });
}

Result<> Bot::remove_member(ChatId group, std::string_view contact) {
  DCBOT_TRY(auto fpr, impl_->resolve_contact(contact));
  return run(*impl_, [&](std::int64_t now) {
    return one(chat::build_remove_member(*impl_->account, group, fpr, now));
  });
}

Result<> Bot::rename_group(ChatId group, std::string_view name) {
  return run(*impl_, [&](std::int64_t now) {
    return one(chat::build_rename(*impl_->account, group, name, now));
  });
}

Result<> Bot::set_group_avatar(ChatId group, const fs::path& image) {
  Bytes bytes;
  if (!image.empty()) {
    std::error_code ec;
    auto size = fs::file_size(image, ec);
    if (ec) {
      return make_error(Errc::Io, "bot: cannot read " + image.string());
    }
    if (size > chat::kMaxGroupAvatarSize) {
      return make_error(Errc::InvalidArgument, "bot: group avatar larger than 1 MiB");
    }
    DCBOT_TRY(auto file, Impl::read_attachment(image));
    bytes = std::move(file.data);
  }
  return run(*impl_, [&](std::int64_t now) {
    return one(chat::build_set_avatar(*impl_->account, group, bytes, now));
  });
}

Result<> Bot::leave_group(ChatId group) {
  return run(*impl_,
             [&](std::int64_t now) { return one(chat::build_leave(*impl_->account, group, now)); });
}

Result<std::string> Bot::group_invite_link(ChatId group, bool legacy) {
  std::string link;
  auto made = run(*impl_, [&](std::int64_t now) -> Result<Mails> {
    DCBOT_TRY(link, chat::make_group_invite_link(
                        *impl_->account, group, now,
                        chat::InviteLinkOptions{.legacy = legacy, .reuse_auth = true}));
    return Mails{};
  });
  if (!made) {
    return made.error();
  }
  return link;
}

Result<std::vector<GroupMember>> Bot::group_members(ChatId group) {
  DCBOT_TRY(load_group(impl_->engine->db(), group));
  DCBOT_TRY(auto fprs, chat::group_members(*impl_->account, group));
  std::vector<GroupMember> out;
  for (const auto& fpr : fprs) {
    DCBOT_TRY(auto s, impl_->contact_of(fpr));
    out.push_back(GroupMember{s.fingerprint, s.addr, s.name, s.verified});
  }
  return out;
}

Result<std::string> Bot::group_name(ChatId group) {
  DCBOT_TRY(auto chat, load_group(impl_->engine->db(), group));
  return chat.name;
}

Result<SentMessage> Bot::send(ChatId chat, std::string_view text, const fs::path& file) {
  std::vector<chat::Attachment> files;
  if (!file.empty()) {
    DCBOT_TRY(auto f, Impl::read_attachment(file));
    files.push_back(std::move(f));
  }
  return impl_->send(chat, text, std::move(files), {});
}

Result<> Bot::react(ChatId chat, std::string_view target_mid, std::string_view emoji) {
  return run(*impl_, [&](std::int64_t now) {
    return one(impl_->account->build_reaction(chat, target_mid, emoji, now));
  });
}

Result<> Bot::edit_message(ChatId chat, std::string_view own_mid, std::string_view new_text) {
  return run(*impl_, [&](std::int64_t now) {
    return one(impl_->account->build_edit(chat, own_mid, new_text, now));
  });
}

Result<> Bot::delete_message(ChatId chat, std::string_view own_mid) {
  return run(*impl_, [&](std::int64_t now) {
    return one(impl_->account->build_delete(chat, own_mid, now));
  });
}

Result<SentMessage> Bot::send_webxdc(ChatId chat, const fs::path& app, std::string_view text) {
  std::error_code ec;
  std::string filename;
  Bytes xdc;
  if (fs::is_directory(app, ec)) {
    DCBOT_TRY(auto files, chat::read_xdc_folder(app));
    DCBOT_TRY(xdc, chat::build_xdc(files));
    auto stem = fs::path(app).lexically_normal().filename().string();
    if (stem.empty() || stem == ".") {
      stem = fs::absolute(app, ec).lexically_normal().parent_path().filename().string();
    }
    filename = (stem.empty() ? std::string("app") : stem) + ".xdc";
  } else {
    DCBOT_TRY(auto file, Impl::read_attachment(app));
    filename = std::move(file.filename);
    xdc = std::move(file.data);
  }
  auto build = [&](std::int64_t now) {
    chat::InstanceOptions options;
    options.text = std::string(text);
    options.now = now;
    return one(chat::build_webxdc_instance(*impl_->account, chat, filename, xdc, options));
  };
  DCBOT_TRY(auto mails, impl_->with_txn(build));
  return SentMessage{chat, mails.at(0).message_id, mails.at(0).rfc724_mid};
}

Result<> Bot::send_webxdc_update(std::int64_t instance, std::string_view payload_json,
                                 std::string_view info, std::string_view summary,
                                 std::string_view document) {
  const bool in_handler = impl_->engine->db().in_transaction();
  auto queued = run(*impl_, [&](std::int64_t now) -> Result<Mails> {
    chat::WebxdcUpdate update;
    update.payload = std::string(payload_json);
    update.info = std::string(info);
    update.summary = std::string(summary);
    update.document = std::string(document);
    DCBOT_TRY(chat::queue_webxdc_update(*impl_->account, instance, std::move(update), now));
    return Mails{};
  });
  if (!queued) {
    return queued.error();
  }
  impl_->updates_queued = true;
  if (!in_handler) {
    impl_->schedule_flush();  // A handler's updates are flushed by the processor.
  }
  return {};
}

}  // namespace dcbot
