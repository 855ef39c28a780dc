// SPDX-License-Identifier: MIT
#include "chat/group.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/encoding.h"
#include "chat/autocrypt.h"
#include "chat/contacts.h"
#include "chat/header_values.h"
#include "chat/invite.h"
#include "chat/schema.h"
#include "mime/builder.h"
#include "store/account.h"
#include "store/contacts.h"

// PROTOCOL.md §4 (group protocol), §2 (gossip), §3.5 (header catalogue), Appendix A3/A4 and the
// recorded core-2.62 mails 21-27, 31, 32; core `receive_imf.rs` apply_group_changes and
// `mimefactory.rs` for the facts.
namespace dcbot::chat {
namespace {

constexpr std::string_view kVersionKey = "chat.group_schema_version";
// §3.4: header timestamps are clamped like the sent time.
constexpr std::int64_t kTimestampTolerance = 60;

constexpr std::string_view kStep1 = R"sql(
CREATE TABLE chat_group_gossip (
  chat_id     INTEGER PRIMARY KEY,
  last_gossip INTEGER NOT NULL
);
)sql";

std::vector<std::string> split_ws(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (const char ch : s) {
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
      if (!cur.empty()) {
        out.push_back(std::move(cur));
        cur.clear();
      }
    } else {
      cur += ch;
    }
  }
  if (!cur.empty()) {
    out.push_back(std::move(cur));
  }
  return out;
}

std::vector<mime::Mailbox> address_list(const mime::Headers& headers, std::string_view name) {
  auto list = mime::parse_address_list(headers.raw(name).value_or(""));
  return list ? std::move(*list) : std::vector<mime::Mailbox>();
}

// Membership rows by fingerprint.
using Rows = std::map<std::string, store::ChatMember>;

Result<Rows> load_rows(store::Db& db, std::int64_t chat_id) {
  store::ChatMembers members(db);
  DCBOT_TRY(auto all, members.all(chat_id));
  Rows rows;
  for (auto& m : all) {
    rows.emplace(m.contact_fpr, m);
  }
  return rows;
}

std::set<std::string> current(const Rows& rows) {
  std::set<std::string> out;
  for (const auto& [fpr, row] : rows) {
    if (row.is_member()) {
      out.insert(fpr);
    }
  }
  return out;
}

// Everything the receive side computes about one group mail.
class Receiver {
 public:
  Receiver(Account& account, const IncomingMail& mail, Effects& fx)
      : account_(account), db_(account.db()), mail_(mail), fx_(fx), h_(*mail.headers) {}

  Result<std::int64_t> run();

 private:
  std::int64_t clamp(std::int64_t ts) const {
    return std::min(ts, mail_.now + kTimestampTolerance);
  }

  Result<void> collect_gossip();
  // §4.2: a listed address as a key contact: the fingerprint header entry, else the gossiped key
  // of that address, else an existing member with that address; empty if unresolvable.
  Result<std::string> resolve(const mime::Mailbox& box, const std::string& fpr_hint);
  Result<void> apply_membership(Rows& rows);
  Result<void> apply_timestamps(Rows& rows, const std::vector<mime::Mailbox>& past,
                                const std::vector<std::string>& stamps);
  void add(Rows& rows, const std::string& fpr, std::int64_t ts);
  void remove(Rows& rows, const std::string& fpr, std::int64_t ts);
  Result<void> apply_name(store::Chat& chat, bool created);
  Result<void> emit_member_events(const std::set<std::string>& before,
                                  const std::set<std::string>& after);
  Result<std::string> addr_of(const std::string& fpr);

  Account& account_;
  store::Db& db_;
  const IncomingMail& mail_;
  Effects& fx_;
  const mime::Headers& h_;
  std::string own_;
  std::string sender_;
  std::int64_t chat_id_ = 0;
  std::map<std::string, std::string> gossip_;  // Lower-case address -> fingerprint.
};

Result<void> Receiver::collect_gossip() {
  // §2: gossip counts only for addresses in To, never for From; the engine imported the keys.
  for (const auto raw : mail_.inner->headers.all_raw("Autocrypt-Gossip")) {
    auto header = parse_autocrypt(raw);
    if (!header || same_addr(header->addr, mail_.from.addr)) {
      continue;
    }
    const bool listed = std::any_of(mail_.to.begin(), mail_.to.end(),
                                    [&](const auto& m) { return same_addr(m.addr, header->addr); });
    if (!listed) {
      continue;
    }
    auto cert = pgp::Certificate::parse(header->keydata);
    if (cert) {
      gossip_[mime::to_lower(header->addr)] = cert->fingerprint_hex();
    }
  }
  return {};
}

Result<std::string> Receiver::resolve(const mime::Mailbox& box, const std::string& fpr_hint) {
  if (same_addr(box.addr, account_.profile().addr) && (fpr_hint.empty() || fpr_hint == own_)) {
    return own_;
  }
  if (!fpr_hint.empty()) {
    if (fpr_hint == own_ || account_.contact_certificate(fpr_hint) != nullptr) {
      return fpr_hint;
    }
    return std::string();
  }
  if (const auto it = gossip_.find(mime::to_lower(box.addr)); it != gossip_.end()) {
    return it->second;
  }
  if (chat_id_ != 0) {
    store::Contacts contacts(db_);
    DCBOT_TRY(auto known, contacts.find_by_addr(box.addr));
    store::ChatMembers members(db_);
    for (const auto& c : known) {
      DCBOT_TRY(auto row, members.get(chat_id_, c.fingerprint));
      if (row) {
        return c.fingerprint;
      }
    }
  }
  return std::string();
}

void Receiver::add(Rows& rows, const std::string& fpr, std::int64_t ts) {
  auto [it, fresh] = rows.try_emplace(fpr, store::ChatMember{chat_id_, fpr, 0, 0});
  auto& row = it->second;
  if (fresh || (ts > row.add_ts && ts >= row.remove_ts)) {
    row.add_ts = std::max(row.add_ts, ts);
  }
}

void Receiver::remove(Rows& rows, const std::string& fpr, std::int64_t ts) {
  auto [it, fresh] = rows.try_emplace(fpr, store::ChatMember{chat_id_, fpr, 0, 0});
  auto& row = it->second;
  if (fresh || ts > row.add_ts) {
    row.remove_ts = std::max(row.remove_ts, ts);
  }
}

// §4.2: with Chat-Group-Member-Timestamps and a matching count, each To entry's add time and
// each past member's remove time are raised; the sender is excluded.
Result<void> Receiver::apply_timestamps(Rows& rows, const std::vector<mime::Mailbox>& past,
                                        const std::vector<std::string>& stamps) {
  const auto fprs = split_ws(h_.value("Chat-Group-Member-Fpr").value_or(""));
  const bool use_fprs = fprs.size() == stamps.size();
  for (std::size_t i = 0; i < stamps.size(); ++i) {
    const auto ts = parse_timestamp(stamps[i]);
    const bool is_past = i >= mail_.to.size();
    const mime::Mailbox& box = is_past ? past[i - mail_.to.size()] : mail_.to[i];
    DCBOT_TRY(auto fpr, resolve(box, use_fprs ? upper_fpr(fprs[i]) : std::string()));
    if (!ts || fpr.empty() || fpr == sender_) {
      continue;  // Unresolvable entries keep their position (§4.2).
    }
    if (is_past) {
      remove(rows, fpr, clamp(*ts));
    } else {
      add(rows, fpr, clamp(*ts));
    }
  }
  return {};
}

Result<void> Receiver::apply_membership(Rows& rows) {
  const auto past = address_list(h_, "Chat-Group-Past-Members");
  const auto stamps_raw = h_.value("Chat-Group-Member-Timestamps");
  const std::string removed_addr = h_.value("Chat-Group-Member-Removed").value_or("");
  const std::string removed_fpr = upper_fpr(h_.value("Chat-Group-Member-Removed-Fpr").value_or(""));
  if (stamps_raw) {
    const auto stamps = split_ws(*stamps_raw);
    if (stamps.size() == mail_.to.size() + past.size()) {
      DCBOT_TRY(apply_timestamps(rows, past, stamps));
    } else {
      fx_.notes.push_back("group: member timestamps count mismatch, membership unchanged");
    }
  } else {
    // §4.2 legacy path (no timestamps): explicit changes; an addition needs gossip of the key.
    if (const auto added = h_.value("Chat-Group-Member-Added")) {
      const auto it = gossip_.find(mime::to_lower(*added));
      if (it != gossip_.end()) {
        add(rows, it->second, mail_.timestamp);
      } else if (same_addr(*added, account_.profile().addr)) {
        add(rows, own_, mail_.timestamp);
      } else {
        fx_.notes.push_back("group: member-added without gossip ignored");
      }
    }
    if (!removed_addr.empty()) {
      DCBOT_TRY(auto fpr, resolve(mime::Mailbox{{}, removed_addr, {}}, removed_fpr));
      if (!fpr.empty() && fpr != sender_) {
        remove(rows, fpr, mail_.timestamp);
      }
    }
  }
  // Leaving (§4.3): the sender removes itself; its own timestamp entry was excluded above.
  if (!removed_addr.empty() && same_addr(removed_addr, mail_.from.addr)
      && (removed_fpr.empty() || removed_fpr == sender_)) {
    std::int64_t ts = mail_.timestamp;
    if (stamps_raw) {
      const auto stamps = split_ws(*stamps_raw);
      for (std::size_t i = 0; i < past.size() && mail_.to.size() + i < stamps.size(); ++i) {
        if (same_addr(past[i].addr, mail_.from.addr)) {
          ts = clamp(parse_timestamp(stamps[mail_.to.size() + i]).value_or(ts));
        }
      }
    }
    remove(rows, sender_, ts);
  }
  return {};
}

Result<void> Receiver::apply_name(store::Chat& chat, bool created) {
  const auto name = h_.value("Chat-Group-Name");
  if (!name || name->empty() || created) {
    return {};
  }
  bool take = false;
  std::int64_t ts = mail_.timestamp;
  if (const auto raw_ts = h_.value("Chat-Group-Name-Timestamp")) {
    // §3.5: last writer wins, ties broken by the name.
    ts = clamp(parse_timestamp(*raw_ts).value_or(0));
    take = ts > chat.name_timestamp || (ts == chat.name_timestamp && *name > chat.name);
  } else {
    take = h_.has("Chat-Group-Name-Changed");  // Old clients: explicit renames only.
  }
  if (!take) {
    return {};
  }
  const std::string old = chat.name;
  chat.name = *name;
  chat.name_timestamp = ts;
  store::Chats chats(db_);
  DCBOT_TRY(chats.update(chat));
  if (old != chat.name) {
    fx_.events.emplace_back(GroupRenamedEvent{chat.id, old, chat.name, sender_});
  }
  return {};
}

Result<std::string> Receiver::addr_of(const std::string& fpr) {
  store::Contacts contacts(db_);
  DCBOT_TRY(auto c, contacts.get(fpr));
  return c ? c->addr : std::string();
}

Result<void> Receiver::emit_member_events(const std::set<std::string>& before,
                                          const std::set<std::string>& after) {
  for (const auto& fpr : after) {
    if (before.count(fpr) != 0 || fpr == own_) {
      continue;
    }
    DCBOT_TRY(auto addr, addr_of(fpr));
    fx_.events.emplace_back(MemberAddedEvent{chat_id_, fpr, addr, sender_});
  }
  for (const auto& fpr : before) {
    if (after.count(fpr) != 0) {
      continue;
    }
    if (fpr == own_) {
      fx_.events.emplace_back(GroupRemovedEvent{chat_id_, sender_});
      continue;
    }
    DCBOT_TRY(auto addr, addr_of(fpr));
    fx_.events.emplace_back(MemberRemovedEvent{chat_id_, fpr, addr, sender_, fpr == sender_});
  }
  return {};
}

Result<std::int64_t> Receiver::run() {
  own_ = account_.fingerprint();
  sender_ = mail_.signer_fpr;
  if (sender_.empty() || mail_.symmetric) {
    fx_.dropped = "group message not signed";
    return 0;
  }
  const auto grpid = h_.value("Chat-Group-ID");
  if (!grpid) {
    // Broadcast channels (Chat-List-ID, §4.4) are chat/channel.h's (install_channels).
    fx_.dropped = "channel message: no channel handler";
    return 0;
  }
  if (!is_valid_token(*grpid)) {
    fx_.dropped = "group message with invalid chat-group-id";
    return 0;
  }
  DCBOT_TRY(collect_gossip());
  const bool removal = h_.has("Chat-Group-Member-Removed");
  const bool added = h_.has("Chat-Group-Member-Added");
  const bool renamed = h_.has("Chat-Group-Name-Changed");
  const bool avatar =
      mime::to_lower(h_.value("Chat-Content").value_or("")) == "group-avatar-changed";
  const bool system = removal || added || renamed || avatar;

  store::Chats chats(db_);
  DCBOT_TRY(auto chat, chats.find_by_grpid(*grpid));
  bool created = false;
  if (!chat) {
    // §4.1: only a named group that is not a removal creates the group.
    const auto name = h_.value("Chat-Group-Name");
    if (!name || name->empty() || removal) {
      fx_.dropped = removal ? "group removal for an unknown group" : "unknown group without name";
      return 0;
    }
    store::Chat c;
    c.type = store::ChatType::Group;
    c.grpid = *grpid;
    c.name = *name;
    c.name_timestamp =
        clamp(parse_timestamp(h_.value("Chat-Group-Name-Timestamp").value_or("")).value_or(0));
    c.created = mail_.now;
    DCBOT_TRY(c.id, chats.add(c));
    chat = c;
    created = true;
  } else if (chat->type != store::ChatType::Group) {
    fx_.dropped = "chat-group-id of a non-group chat";
    return 0;
  }
  chat_id_ = chat->id;

  DCBOT_TRY(auto rows, load_rows(db_, chat_id_));
  const auto before = current(rows);
  const bool sender_member = created || before.count(sender_) != 0;
  if (!sender_member) {
    // §4.2: non-members' messages are shown, their changes ignored (explicit ones trashed).
    if (system) {
      fx_.dropped = "group change from a non-member ignored";
      return 0;
    }
    return chat_id_;
  }
  if (created) {
    // The sender is added implicitly at creation only (§4.2); so are we, and every To address
    // for senders without member timestamps.
    add(rows, sender_, mail_.timestamp);
    if (!h_.has("Chat-Group-Member-Timestamps")) {
      for (const auto& box : mail_.to) {
        DCBOT_TRY(auto fpr, resolve(box, {}));
        if (!fpr.empty()) {
          add(rows, fpr, mail_.timestamp);
        }
      }
    }
  }
  DCBOT_TRY(apply_membership(rows));
  store::ChatMembers members(db_);
  for (const auto& [fpr, row] : rows) {
    DCBOT_TRY(members.set(row));
  }
  const auto after = current(rows);
  DCBOT_TRY(apply_name(*chat, created));
  const bool joined = after.count(own_) != 0 && (created || before.count(own_) == 0);
  if (joined || (before.count(own_) != 0 && after.count(own_) == 0)) {
    chat->has_left = !joined;
    DCBOT_TRY(chats.update(*chat));
  }
  if (joined) {
    std::vector<std::string> others;
    for (const auto& fpr : after) {
      if (fpr != own_) {
        others.push_back(fpr);
      }
    }
    fx_.events.emplace_back(GroupJoinedEvent{chat_id_, *grpid, chat->name, sender_, others});
  }
  if (!created) {
    DCBOT_TRY(emit_member_events(before, after));
  }
  if (avatar) {
    GroupAvatarEvent ev{chat_id_, sender_, {}};
    const std::string value = h_.value("Chat-Group-Avatar").value_or("0");
    if (value.rfind("base64:", 0) == 0) {
      auto image = base64_decode(value.substr(7));
      if (image) {
        ev.image = std::move(*image);
      }
    }
    fx_.events.emplace_back(std::move(ev));
  }
  if (system) {
    fx_.dropped = removal  ? "group system message: member removed"
                  : added  ? "group system message: member added"
                  : avatar ? "group system message: avatar changed"
                           : "group system message: renamed";
    return 0;
  }
  return chat_id_;
}

Result<store::Chat> load_group(store::Db& db, std::int64_t chat_id) {
  store::Chats chats(db);
  DCBOT_TRY(auto chat, chats.get(chat_id));
  if (!chat || chat->type != store::ChatType::Group) {
    return make_error(Errc::NotFound, "group: no such group");
  }
  return *chat;
}

Result<void> require_member(Account& account, std::int64_t chat_id) {
  DCBOT_TRY(auto member, is_group_member(account, chat_id));
  if (!member) {
    return make_error(Errc::InvalidArgument, "group: we are not a member");
  }
  return {};
}

// A system message (§4.3): a plain text body without footer, no read-receipt request.
Account::Draft system_draft(std::int64_t chat_id, std::string text, std::int64_t now) {
  Account::Draft d;
  d.chat_id = chat_id;
  d.now = now;
  d.root = mime::text_part(text);
  d.text = std::move(text);
  return d;
}

Result<std::int64_t> last_gossip(store::Db& db, std::int64_t chat_id) {
  DCBOT_TRY(auto stmt, db.cached("SELECT last_gossip FROM chat_group_gossip WHERE chat_id = ?"));
  DCBOT_TRY(stmt->bind_all(chat_id));
  DCBOT_TRY(auto step, stmt->step());
  return step == store::Step::Row ? stmt->column_int64(0) : std::int64_t{0};
}

Result<void> set_last_gossip(store::Db& db, std::int64_t chat_id, std::int64_t now) {
  DCBOT_TRY(auto stmt, db.cached("INSERT OR REPLACE INTO chat_group_gossip(chat_id, last_gossip) "
                                 "VALUES(?, ?)"));
  DCBOT_TRY(stmt->bind_all(chat_id, now));
  return stmt->run();
}

}  // namespace

Result<void> ensure_group_schema(store::Db& db) {
  constexpr std::string_view kSteps[] = {kStep1};
  return apply_schema_steps(db, kVersionKey, kSteps, "group");
}

void install_groups(Hooks& hooks) {
  hooks.group = [](Account& account, const IncomingMail& mail, Effects& fx) {
    return handle_group_mail(account, mail, fx);
  };
}

Result<std::int64_t> handle_group_mail(Account& account, const IncomingMail& mail, Effects& fx) {
  if (mail.headers == nullptr || mail.inner == nullptr) {
    fx.dropped = "incomplete mail";
    return 0;
  }
  Receiver r(account, mail, fx);
  return r.run();
}

Result<std::int64_t> create_group(Account& account, std::string_view name,
                                  const std::vector<std::string>& member_fprs, std::int64_t now) {
  if (name.empty() || !account.has_key()) {
    return make_error(Errc::InvalidArgument, "group: create: empty name or no own key");
  }
  for (const auto& fpr : member_fprs) {
    if (account.contact_certificate(fpr) == nullptr || fpr == account.fingerprint()) {
      return make_error(Errc::InvalidArgument, "group: create: no key for member " + fpr);
    }
  }
  store::Chat chat;
  chat.type = store::ChatType::Group;
  chat.grpid = generate_token();  // §3.4 create_id.
  chat.name = std::string(name);
  chat.name_timestamp = now;
  chat.created = now;
  store::Chats chats(account.db());
  DCBOT_TRY(chat.id, chats.add(chat));
  store::ChatMembers members(account.db());
  DCBOT_TRY(members.set(store::ChatMember{chat.id, account.fingerprint(), now, 0}));
  for (const auto& fpr : member_fprs) {
    DCBOT_TRY(members.set(store::ChatMember{chat.id, fpr, now, 0}));
  }
  return chat.id;
}

Result<std::vector<std::string>> group_members(Account& account, std::int64_t chat_id) {
  store::ChatMembers members(account.db());
  DCBOT_TRY(auto list, members.members(chat_id));
  std::vector<std::string> out;
  for (const auto& m : list) {
    if (m.contact_fpr != account.fingerprint()) {
      out.push_back(m.contact_fpr);
    }
  }
  return out;
}

Result<bool> is_group_member(Account& account, std::int64_t chat_id) {
  store::ChatMembers members(account.db());
  DCBOT_TRY(auto row, members.get(chat_id, account.fingerprint()));
  return row && row->is_member();
}

Result<OutgoingMail> build_add_member(Account& account, std::int64_t chat_id, std::string_view fpr,
                                      std::int64_t now,
                                      std::vector<mime::HeaderField> extra_headers) {
  DCBOT_TRY(auto chat, load_group(account.db(), chat_id));
  DCBOT_TRY(require_member(account, chat_id));
  store::Contacts contacts(account.db());
  DCBOT_TRY(auto contact, contacts.get(fpr));
  if (!contact || account.contact_certificate(std::string(fpr)) == nullptr) {
    return make_error(Errc::InvalidArgument, "group: add: no key for the contact");
  }
  store::ChatMembers members(account.db());
  DCBOT_TRY(auto row, members.get(chat_id, fpr));
  if (row && row->is_member()) {
    return make_error(Errc::InvalidArgument, "group: add: already a member");
  }
  store::ChatMember m{chat_id, std::string(fpr), now, row ? row->remove_ts : 0};
  m.add_ts = std::max(now, m.remove_ts);
  DCBOT_TRY(members.set(m));
  auto d = system_draft(chat_id, "Member " + contact->addr + " was added.", now);
  d.headers.push_back({"Chat-Group-Member-Added", contact->addr});
  d.headers.push_back({"Chat-Group-Member-Added-Fpr", std::string(fpr)});
  d.headers.insert(d.headers.end(), extra_headers.begin(), extra_headers.end());
  d.group_first_fpr = std::string(fpr);
  d.group_gossip = true;
  return account.build(d);
}

Result<OutgoingMail> build_remove_member(Account& account, std::int64_t chat_id,
                                         std::string_view fpr, std::int64_t now) {
  DCBOT_TRY(auto chat, load_group(account.db(), chat_id));
  DCBOT_TRY(require_member(account, chat_id));
  if (fpr == account.fingerprint()) {
    return build_leave(account, chat_id, now);
  }
  store::ChatMembers members(account.db());
  DCBOT_TRY(auto row, members.get(chat_id, fpr));
  if (!row || !row->is_member()) {
    return make_error(Errc::InvalidArgument, "group: remove: not a member");
  }
  store::Contacts contacts(account.db());
  DCBOT_TRY(auto contact, contacts.get(fpr));
  const std::string addr = contact ? contact->addr : std::string();
  row->remove_ts = std::max(now, row->add_ts + 1);
  DCBOT_TRY(members.set(*row));
  auto d = system_draft(chat_id, "Member " + addr + " was removed.", now);
  d.headers.push_back({"Chat-Group-Member-Removed", addr});
  d.headers.push_back({"Chat-Group-Member-Removed-Fpr", std::string(fpr)});
  // §4.3: the removed member still gets this one mail.
  d.group_extra_fprs.push_back(std::string(fpr));
  return account.build(d);
}

Result<OutgoingMail> build_leave(Account& account, std::int64_t chat_id, std::int64_t now) {
  DCBOT_TRY(auto chat, load_group(account.db(), chat_id));
  DCBOT_TRY(require_member(account, chat_id));
  const std::string own = account.fingerprint();
  store::ChatMembers members(account.db());
  DCBOT_TRY(auto row, members.get(chat_id, own));
  if (!row) {
    return make_error(Errc::NotFound, "group: leave: we are not a member");
  }
  row->remove_ts = std::max(now, row->add_ts + 1);
  DCBOT_TRY(members.set(*row));
  const std::string& addr = account.profile().addr;
  auto d = system_draft(chat_id, "Member " + addr + " was removed.", now);
  d.headers.push_back({"Chat-Group-Member-Removed", addr});
  d.headers.push_back({"Chat-Group-Member-Removed-Fpr", own});
  DCBOT_TRY(auto mail, account.build(d));
  chat.has_left = true;
  store::Chats chats(account.db());
  DCBOT_TRY(chats.update(chat));
  return mail;
}

Result<OutgoingMail> build_rename(Account& account, std::int64_t chat_id, std::string_view name,
                                  std::int64_t now) {
  DCBOT_TRY(auto chat, load_group(account.db(), chat_id));
  DCBOT_TRY(require_member(account, chat_id));
  if (name.empty()) {
    return make_error(Errc::InvalidArgument, "group: rename: empty name");
  }
  const std::string old = chat.name;
  chat.name = std::string(name);
  chat.name_timestamp = std::max(now, chat.name_timestamp + 1);
  store::Chats chats(account.db());
  DCBOT_TRY(chats.update(chat));
  auto d = system_draft(chat_id, "Chat name changed.", now);
  d.headers.push_back({"Chat-Group-Name-Changed", mime::encode_text(old)});
  return account.build(d);
}

Result<OutgoingMail> build_set_avatar(Account& account, std::int64_t chat_id, ByteView image,
                                      std::int64_t now) {
  DCBOT_TRY(auto chat, load_group(account.db(), chat_id));
  DCBOT_TRY(require_member(account, chat_id));
  if (image.size() > kMaxGroupAvatarSize) {
    return make_error(Errc::InvalidArgument, "group: avatar: image too large");
  }
  std::string value = "0";
  if (!image.empty()) {
    // The core breaks the base64 with a space every 78 characters so the header can be folded.
    const std::string b64 = base64_encode(image);
    value = "base64:";
    for (std::size_t i = 0; i < b64.size(); i += 78) {
      value += (i == 0 ? "" : " ") + b64.substr(i, 78);
    }
  }
  auto d = system_draft(chat_id, "Group image changed.", now);
  d.headers.push_back({"Chat-Content", "group-avatar-changed"});
  d.headers.push_back({"Chat-Group-Avatar", std::move(value)});
  return account.build(d);
}

Result<GroupEnvelope> group_envelope(Account& account, const store::Chat& chat,
                                     const Account::Draft& draft) {
  store::Db& db = account.db();
  const std::string own = account.fingerprint();
  DCBOT_TRY(auto rows, load_rows(db, chat.id));
  const auto self = rows.find(own);
  const bool leaving = std::any_of(draft.headers.begin(), draft.headers.end(), [&](const auto& f) {
    return mime::iequals(f.name, "Chat-Group-Member-Removed-Fpr") && f.raw == own;
  });
  if (!leaving && (self == rows.end() || !self->second.is_member())) {
    return make_error(Errc::InvalidArgument, "group: send: we are not a member");
  }
  // To: the members but us, the added member first (§4.3, Appendix A3).
  std::vector<const store::ChatMember*> to_rows;
  std::vector<const store::ChatMember*> past_rows;
  for (const auto& [fpr, row] : rows) {
    if (row.is_member() && fpr != own) {
      to_rows.push_back(&row);
    } else if (!row.is_member() && row.remove_ts >= draft.now - kPastMemberKeep) {
      past_rows.push_back(&row);
    }
  }
  std::stable_partition(to_rows.begin(), to_rows.end(),
                        [&](const auto* r) { return r->contact_fpr == draft.group_first_fpr; });
  std::stable_sort(past_rows.begin(), past_rows.end(),
                   [](const auto* a, const auto* b) { return a->remove_ts > b->remove_ts; });

  GroupEnvelope env;
  store::Contacts contacts(db);
  std::string stamps;
  std::string fprs;
  auto append = [&](const store::ChatMember& row, std::int64_t ts) {
    stamps += (stamps.empty() ? "" : " ") + std::to_string(ts);
    fprs += (fprs.empty() ? "" : " ") + row.contact_fpr;
  };
  std::vector<std::string> gossip;
  auto add_recipients = [&](const pgp::Certificate& cert, const std::string& addr) {
    for (auto& r : relay_addresses(cert, addr)) {
      if (std::none_of(env.recipients.begin(), env.recipients.end(),
                       [&](const std::string& x) { return same_addr(x, r); })) {
        env.recipients.push_back(std::move(r));
      }
    }
  };
  for (const auto* row : to_rows) {
    DCBOT_TRY(auto contact, contacts.get(row->contact_fpr));
    const pgp::Certificate* cert = account.contact_certificate(row->contact_fpr);
    if (!contact || cert == nullptr) {
      continue;  // A member we hold no key for cannot read the group (never expected).
    }
    env.to.push_back(mime::Mailbox{contact->display_name, contact->addr, {}});
    env.certs.push_back(cert);
    add_recipients(*cert, contact->addr);
    append(*row, row->add_ts);
    gossip.push_back(mime::autocrypt_value(mime::to_lower(contact->addr), cert->serialize(), true));
  }
  std::vector<mime::Mailbox> past;
  for (const auto* row : past_rows) {
    std::string addr = account.profile().addr;
    std::string name;
    if (row->contact_fpr != own) {
      DCBOT_TRY(auto contact, contacts.get(row->contact_fpr));
      if (!contact) {
        continue;
      }
      addr = contact->addr;
      name = contact->display_name;
    }
    past.push_back(mime::Mailbox{name, addr, {}});
    append(*row, row->remove_ts);
  }
  for (const auto& fpr : draft.group_extra_fprs) {
    DCBOT_TRY(auto contact, contacts.get(fpr));
    const pgp::Certificate* cert = account.contact_certificate(fpr);
    if (contact && cert != nullptr) {
      env.certs.push_back(cert);
      add_recipients(*cert, contact->addr);
    }
  }
  // Removing the last other member still reaches that member (To is then "hidden-recipients").
  if (env.certs.empty()) {
    return make_error(Errc::InvalidArgument, "group: send: no other member with a key");
  }
  if (!past.empty()) {
    env.after_to.push_back({"Chat-Group-Past-Members", mime::format_address_list(past)});
  }
  env.after_to.push_back({"Chat-Group-Member-Timestamps", stamps});
  env.after_to.push_back({"Chat-Group-Member-Fpr", fprs});
  env.headers.push_back({"Chat-Group-ID", chat.grpid});
  env.headers.push_back({"Chat-Group-Name", mime::encode_text(chat.name)});
  env.headers.push_back({"Chat-Group-Name-Timestamp", std::to_string(chat.name_timestamp)});
  // §2: gossip on member-added, or with more than one recipient key every gossip period.
  DCBOT_TRY(auto last, last_gossip(db, chat.id));
  const std::size_t to_keys = env.to.size();
  if (draft.group_gossip || (to_keys > 1 && draft.now - last >= kGossipPeriod)) {
    for (auto& g : gossip) {
      env.trailing.push_back({"Autocrypt-Gossip", std::move(g)});
    }
    DCBOT_TRY(set_last_gossip(db, chat.id, draft.now));
  }
  env.subject = chat.name;
  return env;
}

}  // namespace dcbot::chat
