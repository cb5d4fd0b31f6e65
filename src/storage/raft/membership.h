#pragma once
// Cluster membership as the state machine records it: the Raft ConfState plus an address
// book (name, cluster address, voter flag) for every member. Applied with the conf change
// that added a member, so every replica and every snapshot holds the same book.
// Encodings (docs/formats/raft-fsm.md, "Membership"): little-endian, a version byte,
// decoders bounded by the input size (Corruption for anything malformed).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/raft/types.h"

namespace coffer::storage::raft {

struct Member {
  uint64_t id = kNone;  // Raft id: MemberId(name)
  std::string name;     // Vault's node_id ("node1")
  std::string address;  // cluster address, host:port
  bool voter = true;    // false: learner (non-voter)

  bool operator==(const Member&) const = default;
};

// The Raft id of a node name: the first 8 bytes of SHA-256(name) (little-endian), never
// kNone.
uint64_t MemberId(std::string_view name);

// The membership in force at an applied index. `members` is sorted by id and lists
// exactly the ids of conf.voters and conf.learners when it is non-empty (a node started
// with static NodeOptions::peers has a conf and no address book).
struct Membership {
  ConfState conf;
  std::vector<Member> members;

  bool empty() const { return conf.voters.empty() && conf.learners.empty(); }
  const Member* Find(uint64_t id) const;
  bool operator==(const Membership&) const = default;
};

// One member (the context of a ConfChange entry): version 1, id, name, address, voter.
std::string EncodeMember(const Member& m);
Result<Member> DecodeMember(std::string_view data);

// Version 1, the ConfState, then the members.
std::string EncodeMembership(const Membership& m);
Result<Membership> DecodeMembership(std::string_view data);

// Little-endian helpers shared by the raft encoders.
namespace wire {
void PutU8(std::string* out, uint8_t v);
void PutU32(std::string* out, uint32_t v);
void PutU64(std::string* out, uint64_t v);
// Consume from the front of *in; false when too short.
bool GetU8(std::string_view* in, uint8_t* v);
bool GetU32(std::string_view* in, uint32_t* v);
bool GetU64(std::string_view* in, uint64_t* v);
// u32 length then bytes.
void PutBytes(std::string* out, std::string_view s);
bool GetBytes(std::string_view* in, std::string_view* s);
}  // namespace wire

}  // namespace coffer::storage::raft
