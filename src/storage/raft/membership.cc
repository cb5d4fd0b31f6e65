#include "storage/raft/membership.h"

#include <algorithm>

#include "crypto/hash.h"

namespace coffer::storage::raft {
namespace wire {

void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }
void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
bool GetU8(std::string_view* in, uint8_t* v) {
  if (in->empty()) return false;
  *v = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  return true;
}
bool GetU32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  *v = 0;
  for (int i = 0; i < 4; ++i) *v |= uint32_t{static_cast<uint8_t>((*in)[i])} << (8 * i);
  in->remove_prefix(4);
  return true;
}
bool GetU64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  *v = 0;
  for (int i = 0; i < 8; ++i) *v |= uint64_t{static_cast<uint8_t>((*in)[i])} << (8 * i);
  in->remove_prefix(8);
  return true;
}
void PutBytes(std::string* out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}
bool GetBytes(std::string_view* in, std::string_view* s) {
  uint32_t len = 0;
  if (!GetU32(in, &len) || len > in->size()) return false;
  *s = in->substr(0, len);
  in->remove_prefix(len);
  return true;
}

}  // namespace wire

namespace {

constexpr uint8_t kMemberVersion = 1;
constexpr uint8_t kMembershipVersion = 1;

void PutIds(std::string* out, const std::vector<uint64_t>& ids) {
  wire::PutU32(out, static_cast<uint32_t>(ids.size()));
  for (uint64_t id : ids) wire::PutU64(out, id);
}

bool GetIds(std::string_view* in, std::vector<uint64_t>* ids) {
  uint32_t n = 0;
  if (!wire::GetU32(in, &n) || n > in->size() / 8) return false;
  ids->resize(n);
  for (uint64_t& id : *ids) wire::GetU64(in, &id);
  return true;
}

void PutMemberBody(std::string* out, const Member& m) {
  wire::PutU64(out, m.id);
  wire::PutBytes(out, m.name);
  wire::PutBytes(out, m.address);
  wire::PutU8(out, m.voter ? 1 : 0);
}

bool GetMemberBody(std::string_view* in, Member* m) {
  std::string_view name, address;
  uint8_t voter = 0;
  if (!wire::GetU64(in, &m->id) || !wire::GetBytes(in, &name) || !wire::GetBytes(in, &address) ||
      !wire::GetU8(in, &voter) || voter > 1) {
    return false;
  }
  m->name.assign(name);
  m->address.assign(address);
  m->voter = voter == 1;
  return true;
}

}  // namespace

uint64_t MemberId(std::string_view name) {
  const std::string digest = crypto::Sha256(name);
  std::string_view in(digest);
  uint64_t id = 0;
  wire::GetU64(&in, &id);
  return id == kNone ? 1 : id;
}

const Member* Membership::Find(uint64_t id) const {
  for (const Member& m : members) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

std::string EncodeMember(const Member& m) {
  std::string out;
  wire::PutU8(&out, kMemberVersion);
  PutMemberBody(&out, m);
  return out;
}

Result<Member> DecodeMember(std::string_view data) {
  uint8_t version = 0;
  Member m;
  if (!wire::GetU8(&data, &version) || version != kMemberVersion || !GetMemberBody(&data, &m) ||
      !data.empty()) {
    return Err(Corruption("raft: malformed member record"));
  }
  return m;
}

std::string EncodeMembership(const Membership& m) {
  std::string out;
  wire::PutU8(&out, kMembershipVersion);
  PutIds(&out, m.conf.voters);
  PutIds(&out, m.conf.learners);
  wire::PutU32(&out, static_cast<uint32_t>(m.members.size()));
  for (const Member& member : m.members) PutMemberBody(&out, member);
  return out;
}

Result<Membership> DecodeMembership(std::string_view data) {
  Membership m;
  uint8_t version = 0;
  uint32_t n = 0;
  // A member takes at least 17 bytes (id, two lengths, voter).
  if (!wire::GetU8(&data, &version) || version != kMembershipVersion ||
      !GetIds(&data, &m.conf.voters) || !GetIds(&data, &m.conf.learners) ||
      !wire::GetU32(&data, &n) || n > data.size() / 17) {
    return Err(Corruption("raft: malformed membership record"));
  }
  m.members.resize(n);
  for (Member& member : m.members) {
    if (!GetMemberBody(&data, &member)) return Err(Corruption("raft: malformed membership record"));
  }
  if (!data.empty()) return Err(Corruption("raft: trailing bytes after membership record"));
  return m;
}

}  // namespace coffer::storage::raft
