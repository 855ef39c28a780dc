// SPDX-License-Identifier: MIT
#include <optional>
#include <string>
#include <string_view>

#include "chat/autocrypt.h"
#include "chat/channel.h"
#include "chat/group.h"
#include "chat/invite.h"
#include "chat/securejoin.h"
#include "store/chats.h"
#include "store/contacts.h"
#include "store/runtime_tables.h"

// The group side of SecureJoin (PROTOCOL.md §5.1 group links, §5.2 step 5, Appendix A3 and the
// recorded core-2.62 mails 22-25): the inviter's link and the member-added mail that ends a join.
// The handshake steps themselves are shared with 1:1 joins in securejoin.cpp.
namespace dcbot::chat {

Result<std::string> make_group_invite_link(Account& account, std::int64_t chat_id, std::int64_t now,
                                           InviteLinkOptions options) {
  if (!account.has_key() || account.profile().addr.empty()) {
    return make_error(Errc::InvalidArgument, "securejoin: group invite: no key or address");
  }
  store::Chats chats(account.db());
  DCBOT_TRY(auto chat, chats.get(chat_id));
  if (!chat || chat->type != store::ChatType::Group) {
    return make_error(Errc::NotFound, "securejoin: group invite: no such group");
  }
  DCBOT_TRY(auto member, is_group_member(account, chat_id));
  if (!member) {
    return make_error(Errc::InvalidArgument, "securejoin: group invite: not a member");
  }
  DCBOT_TRY(auto invite, new_invite(account, InviteKind::Group, chat->grpid, now, options));
  invite.name = shorten_invite_name(invite.name, kInviteInviterNameMax);
  invite.grpid = chat->grpid;
  invite.group_name = chat->name;
  return format_invite(invite);
}

Result<bool> can_invite_to_group(Account& account, std::string_view grpid) {
  store::Chats chats(account.db());
  DCBOT_TRY(auto chat, chats.find_by_grpid(grpid));
  if (chat && chat->type == store::ChatType::BroadcastOut) {
    return true;  // Our own channel (channel.h).
  }
  if (!chat || chat->type != store::ChatType::Group) {
    return false;
  }
  return is_group_member(account, chat->id);
}

Result<std::int64_t> add_joined_member(Account& account, std::string_view grpid,
                                       std::string_view fpr, std::int64_t now, Effects& fx) {
  store::Chats chats(account.db());
  DCBOT_TRY(auto chat, chats.find_by_grpid(grpid));
  if (chat && chat->type == store::ChatType::BroadcastOut) {
    return add_channel_subscriber(account, grpid, fpr, now, fx);
  }
  if (!chat || chat->type != store::ChatType::Group) {
    return make_error(Errc::NotFound, "securejoin: group join: no such group");
  }
  store::ChatMembers members(account.db());
  DCBOT_TRY(auto row, members.get(chat->id, fpr));
  if (row && row->is_member()) {
    // Joined twice (a repeated scan): like the core, send member-added again so the joiner
    // ends up in the group.
    DCBOT_TRY(members.remove(chat->id, fpr));
  }
  DCBOT_TRY(auto mail,
            build_add_member(account, chat->id, fpr, now, {{"Secure-Join", "vg-member-added"}}));
  fx.outgoing.push_back(std::move(mail));
  store::Contacts contacts(account.db());
  DCBOT_TRY(auto contact, contacts.get(fpr));
  fx.events.emplace_back(MemberAddedEvent{
      chat->id, std::string(fpr), contact ? contact->addr : std::string(), account.fingerprint()});
  return chat->id;
}

}  // namespace dcbot::chat
