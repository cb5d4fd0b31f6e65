#include "cluster/codec.h"

#include <gtest/gtest.h>

#include <random>

namespace coffer::cluster {
namespace {

using storage::raft::Entry;
using storage::raft::EntryType;
using storage::raft::Message;
using storage::raft::MessageType;

constexpr MessageType kAllTypes[] = {
    MessageType::kMsgProp,           MessageType::kMsgApp,        MessageType::kMsgAppResp,
    MessageType::kMsgVote,           MessageType::kMsgVoteResp,   MessageType::kMsgPreVote,
    MessageType::kMsgPreVoteResp,    MessageType::kMsgHeartbeat,  MessageType::kMsgHeartbeatResp,
    MessageType::kMsgSnap,           MessageType::kMsgSnapStatus, MessageType::kMsgUnreachable,
    MessageType::kMsgTransferLeader, MessageType::kMsgTimeoutNow, MessageType::kMsgReadIndex,
    MessageType::kMsgReadIndexResp,
};

bool Same(const Message& a, const Message& b) {
  return a.type == b.type && a.from == b.from && a.to == b.to && a.term == b.term &&
         a.log_term == b.log_term && a.index == b.index && a.entries == b.entries &&
         a.commit == b.commit && a.reject == b.reject && a.reject_hint == b.reject_hint &&
         a.snapshot == b.snapshot && a.context == b.context;
}

Message FullMessage(MessageType type) {
  Message m;
  m.type = type;
  m.from = 0x1234567890abcdefULL;
  m.to = UINT64_MAX;
  m.term = 7;
  m.log_term = 6;
  m.index = 1ULL << 40;
  m.commit = 99;
  m.reject = true;
  m.reject_hint = 12;
  m.snapshot.index = 1000;
  m.snapshot.term = 5;
  m.snapshot.conf.voters = {1, 2, UINT64_MAX};
  m.snapshot.conf.learners = {4};
  m.context = std::string("ctx\0id", 6);
  m.entries = {Entry{6, 100, EntryType::kNormal, "put a"},
               Entry{7, 101, EntryType::kConfigChange, std::string(1000, '\xff')},
               Entry{7, 102, EntryType::kNormal, ""}};
  return m;
}

TEST(CodecTest, EveryMessageTypeRoundTrips) {
  for (MessageType type : kAllTypes) {
    Message m = FullMessage(type);
    auto decoded = DecodeMessage(EncodeMessage(m));
    ASSERT_TRUE(decoded) << storage::raft::MessageTypeName(type) << ": "
                         << decoded.error().ToString();
    EXPECT_TRUE(Same(m, *decoded)) << storage::raft::MessageTypeName(type);
    Message empty;
    empty.type = type;
    auto decoded_empty = DecodeMessage(EncodeMessage(empty));
    ASSERT_TRUE(decoded_empty);
    EXPECT_TRUE(Same(empty, *decoded_empty));
  }
}

TEST(CodecTest, BatchRoundTrips) {
  std::vector<Message> batch;
  for (MessageType type : kAllTypes) batch.push_back(FullMessage(type));
  auto decoded = DecodeBatch(EncodeBatch(batch));
  ASSERT_TRUE(decoded) << decoded.error().ToString();
  ASSERT_EQ(decoded->size(), batch.size());
  for (size_t i = 0; i < batch.size(); ++i) EXPECT_TRUE(Same(batch[i], (*decoded)[i]));
  auto none = DecodeBatch(EncodeBatch({}));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(CodecTest, EveryTruncationIsCorruption) {
  std::string full =
      EncodeBatch({FullMessage(MessageType::kMsgApp), FullMessage(MessageType::kMsgHeartbeat)});
  for (size_t n = 0; n < full.size(); ++n) {
    auto r = DecodeBatch(full.substr(0, n));
    ASSERT_FALSE(r) << "prefix " << n;
    EXPECT_EQ(r.error().code(), StatusCode::kCorruption);
  }
  std::string one = EncodeMessage(FullMessage(MessageType::kMsgSnap));
  for (size_t n = 0; n < one.size(); ++n) EXPECT_FALSE(DecodeMessage(one.substr(0, n)));
}

TEST(CodecTest, RejectsTrailingBytesVersionsAndTypes) {
  std::string m = EncodeMessage(FullMessage(MessageType::kMsgVote));
  EXPECT_EQ(DecodeMessage(m + "x").error().code(), StatusCode::kCorruption);
  std::string bad_version = m;
  bad_version[0] = 2;
  EXPECT_EQ(DecodeMessage(bad_version).error().code(), StatusCode::kCorruption);
  for (char type : {'\0', '\x11', '\xff'}) {
    std::string bad_type = m;
    bad_type[1] = type;
    EXPECT_EQ(DecodeMessage(bad_type).error().code(), StatusCode::kCorruption);
  }
  // An overlong varint (0 encoded in two bytes) and a reject flag of 2.
  Message zero;
  std::string z = EncodeMessage(zero);  // version, type, from=0 ...
  std::string overlong = z.substr(0, 2) + "\x80\x00" + z.substr(3);
  EXPECT_FALSE(DecodeMessage(overlong));
  EXPECT_FALSE(DecodeBatch(std::string("\x01\x05", 2)));  // 5 messages announced, none there
}

TEST(CodecTest, HugeCountsDoNotAllocate) {
  // version, count = 2^63: must fail on the bound check, not reserve.
  std::string batch = "\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01";
  EXPECT_FALSE(DecodeBatch(batch));
  Message m;
  std::string enc = EncodeMessage(m);
  // Replace the trailing entry count (0) by a huge one.
  enc.back() = '\xff';
  enc += "\xff\xff\xff\xff\x0f";
  EXPECT_FALSE(DecodeMessage(enc));
}

TEST(CodecTest, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(42);
  std::string base = EncodeBatch({FullMessage(MessageType::kMsgApp)});
  for (int i = 0; i < 20000; ++i) {
    std::string s = base;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) s[rng() % s.size()] = static_cast<char>(rng());
    (void)DecodeBatch(s);
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    (void)DecodeBatch(junk);
    (void)DecodeMessage(junk);
    (void)DecodeForwardedRequest(junk);
    (void)DecodeForwardedResponse(junk);
  }
}

TEST(CodecTest, ForwardedRequestAndResponseRoundTrip) {
  ForwardedRequest req{"PUT",
                       "/v1/secret/data/a?version=2",
                       {{"X-Vault-Token", "s.abc"}, {"X-Vault-Token", "dup"}, {"Empty", ""}},
                       std::string(100000, 'b'),
                       "10.0.0.7:51234"};
  auto enc = EncodeForwardedRequest(req);
  ASSERT_TRUE(enc);
  auto dec = DecodeForwardedRequest(*enc);
  ASSERT_TRUE(dec) << dec.error().ToString();
  EXPECT_EQ(*dec, req);
  EXPECT_FALSE(DecodeForwardedRequest(*enc + "z"));
  for (size_t n = 0; n < 64; ++n) EXPECT_FALSE(DecodeForwardedRequest(enc->substr(0, n)));

  ForwardedResponse resp{204, {{"Cache-Control", "no-store"}}, ""};
  auto renc = EncodeForwardedResponse(resp);
  ASSERT_TRUE(renc);
  auto rdec = DecodeForwardedResponse(*renc);
  ASSERT_TRUE(rdec);
  EXPECT_EQ(*rdec, resp);

  EXPECT_FALSE(EncodeForwardedResponse(ForwardedResponse{42, {}, ""}));
  ForwardedRequest big;
  big.body.assign(kMaxForwardedBody + 1, 'x');
  EXPECT_EQ(EncodeForwardedRequest(big).error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coffer::cluster
