#include "cluster/codec.h"

#include <array>

namespace coffer::cluster {

namespace {

using storage::raft::ConfState;
using storage::raft::Entry;
using storage::raft::EntryType;
using storage::raft::Message;
using storage::raft::MessageType;

// Wire numbers of the message types: fixed forever, independent of the enum's order.
constexpr std::array<std::pair<MessageType, uint8_t>, 16> kTypeCodes = {{
    {MessageType::kMsgProp, 1},
    {MessageType::kMsgApp, 2},
    {MessageType::kMsgAppResp, 3},
    {MessageType::kMsgVote, 4},
    {MessageType::kMsgVoteResp, 5},
    {MessageType::kMsgPreVote, 6},
    {MessageType::kMsgPreVoteResp, 7},
    {MessageType::kMsgHeartbeat, 8},
    {MessageType::kMsgHeartbeatResp, 9},
    {MessageType::kMsgSnap, 10},
    {MessageType::kMsgSnapStatus, 11},
    {MessageType::kMsgUnreachable, 12},
    {MessageType::kMsgTransferLeader, 13},
    {MessageType::kMsgTimeoutNow, 14},
    {MessageType::kMsgReadIndex, 15},
    {MessageType::kMsgReadIndexResp, 16},
}};

uint8_t TypeCode(MessageType t) {
  for (const auto& [type, code] : kTypeCodes) {
    if (type == t) return code;
  }
  return 0;  // unreachable for a valid enum value; 0 never decodes
}

// Smallest encodings, used to bound counts before reserving.
constexpr size_t kMinEntryBytes = 4;     // term, index, type, data length
constexpr size_t kMinMessageBytes = 16;  // see AppendMessage
constexpr size_t kMinHeaderBytes = 2;

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutBytes(std::string& out, std::string_view b) {
  PutVarint(out, b.size());
  out.append(b);
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return data_.size() - pos_; }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return Fail();
      uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      // The tenth byte may only carry the top bit of a uint64_t.
      if (shift == 63 && b > 1) return Fail();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        // Reject overlong forms (a trailing zero byte) so each value has one encoding.
        if (b == 0 && shift > 0) return Fail();
        return v;
      }
    }
    return Fail();
  }

  uint8_t Byte() {
    if (pos_ >= data_.size()) return static_cast<uint8_t>(Fail());
    return static_cast<uint8_t>(data_[pos_++]);
  }

  bool Bool() {
    uint8_t b = Byte();
    if (b > 1) Fail();
    return b == 1;
  }

  std::string Bytes(size_t max = SIZE_MAX) {
    uint64_t n = Varint();
    if (!ok_ || n > remaining() || n > max) {
      Fail();
      return {};
    }
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }

  // A count of items each at least min_bytes long; fails if they cannot all fit.
  size_t Count(size_t min_bytes) {
    uint64_t n = Varint();
    if (!ok_ || n > remaining() / min_bytes) {
      Fail();
      return 0;
    }
    return static_cast<size_t>(n);
  }

  uint64_t Fail() {
    ok_ = false;
    pos_ = data_.size();
    return 0;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void PutIds(std::string& out, const std::vector<uint64_t>& ids) {
  PutVarint(out, ids.size());
  for (uint64_t id : ids) PutVarint(out, id);
}

std::vector<uint64_t> GetIds(Reader& r) {
  std::vector<uint64_t> ids(r.Count(1));
  for (uint64_t& id : ids) id = r.Varint();
  return ids;
}

// type, from, to, term, log_term, index, commit, reject, reject_hint, snapshot (index,
// term, voters, learners), context, entries: at least 16 bytes.
void AppendMessage(std::string& out, const Message& m) {
  out.push_back(static_cast<char>(TypeCode(m.type)));
  for (uint64_t v : {m.from, m.to, m.term, m.log_term, m.index, m.commit}) PutVarint(out, v);
  out.push_back(m.reject ? 1 : 0);
  PutVarint(out, m.reject_hint);
  PutVarint(out, m.snapshot.index);
  PutVarint(out, m.snapshot.term);
  PutIds(out, m.snapshot.conf.voters);
  PutIds(out, m.snapshot.conf.learners);
  PutBytes(out, m.context);
  PutVarint(out, m.entries.size());
  for (const Entry& e : m.entries) {
    PutVarint(out, e.term);
    PutVarint(out, e.index);
    out.push_back(e.type == EntryType::kConfigChange ? 1 : 0);
    PutBytes(out, e.data);
  }
}

Message ReadMessage(Reader& r) {
  Message m;
  uint8_t code = r.Byte();
  bool known = false;
  for (const auto& [type, c] : kTypeCodes) {
    if (c == code) {
      m.type = type;
      known = true;
    }
  }
  if (!known) r.Fail();
  m.from = r.Varint();
  m.to = r.Varint();
  m.term = r.Varint();
  m.log_term = r.Varint();
  m.index = r.Varint();
  m.commit = r.Varint();
  m.reject = r.Bool();
  m.reject_hint = r.Varint();
  m.snapshot.index = r.Varint();
  m.snapshot.term = r.Varint();
  m.snapshot.conf.voters = GetIds(r);
  m.snapshot.conf.learners = GetIds(r);
  m.context = r.Bytes();
  size_t n = r.Count(kMinEntryBytes);
  m.entries.reserve(n);
  for (size_t i = 0; i < n && r.ok(); ++i) {
    Entry e;
    e.term = r.Varint();
    e.index = r.Varint();
    uint8_t type = r.Byte();
    if (type > 1) r.Fail();
    e.type = type == 1 ? EntryType::kConfigChange : EntryType::kNormal;
    e.data = r.Bytes();
    m.entries.push_back(std::move(e));
  }
  return m;
}

Status CheckVersion(Reader& r, const char* what) {
  uint8_t v = r.Byte();
  if (!r.ok()) return Corruption(std::string("cluster: empty ") + what);
  if (v != kCodecVersion) {
    return Corruption(std::string("cluster: unknown ") + what + " version " + std::to_string(v));
  }
  return Status::Ok();
}

Status Finish(const Reader& r, const char* what) {
  if (!r.ok()) return Corruption(std::string("cluster: malformed ") + what);
  if (r.remaining() != 0) return Corruption(std::string("cluster: trailing bytes after ") + what);
  return Status::Ok();
}

void PutHeaders(std::string& out, const HeaderList& headers) {
  PutVarint(out, headers.size());
  for (const auto& [name, value] : headers) {
    PutBytes(out, name);
    PutBytes(out, value);
  }
}

HeaderList GetHeaders(Reader& r) {
  size_t n = r.Count(kMinHeaderBytes);
  HeaderList headers;
  headers.reserve(n);
  for (size_t i = 0; i < n && r.ok(); ++i) {
    std::string name = r.Bytes();
    std::string value = r.Bytes();
    headers.emplace_back(std::move(name), std::move(value));
  }
  return headers;
}

}  // namespace

std::string EncodeMessage(const Message& m) {
  std::string out;
  out.push_back(static_cast<char>(kCodecVersion));
  AppendMessage(out, m);
  return out;
}

Result<Message> DecodeMessage(std::string_view data) {
  Reader r(data);
  COFFER_RETURN_IF_ERROR(CheckVersion(r, "message"));
  Message m = ReadMessage(r);
  COFFER_RETURN_IF_ERROR(Finish(r, "message"));
  return m;
}

std::string EncodeBatch(const std::vector<Message>& messages) {
  std::string out;
  out.push_back(static_cast<char>(kCodecVersion));
  PutVarint(out, messages.size());
  for (const Message& m : messages) AppendMessage(out, m);
  return out;
}

Result<std::vector<Message>> DecodeBatch(std::string_view data) {
  Reader r(data);
  COFFER_RETURN_IF_ERROR(CheckVersion(r, "batch"));
  size_t n = r.Count(kMinMessageBytes);
  std::vector<Message> messages;
  messages.reserve(n);
  for (size_t i = 0; i < n && r.ok(); ++i) messages.push_back(ReadMessage(r));
  COFFER_RETURN_IF_ERROR(Finish(r, "batch"));
  return messages;
}

Result<std::string> EncodeForwardedRequest(const ForwardedRequest& req) {
  if (req.body.size() > kMaxForwardedBody) {
    return Err(InvalidArgument("cluster: forwarded request body too large"));
  }
  std::string out;
  out.push_back(static_cast<char>(kCodecVersion));
  PutBytes(out, req.method);
  PutBytes(out, req.target);
  PutHeaders(out, req.headers);
  PutBytes(out, req.body);
  PutBytes(out, req.remote_address);
  return out;
}

Result<ForwardedRequest> DecodeForwardedRequest(std::string_view data) {
  Reader r(data);
  COFFER_RETURN_IF_ERROR(CheckVersion(r, "forwarded request"));
  ForwardedRequest req;
  req.method = r.Bytes();
  req.target = r.Bytes();
  req.headers = GetHeaders(r);
  req.body = r.Bytes(kMaxForwardedBody);
  req.remote_address = r.Bytes();
  COFFER_RETURN_IF_ERROR(Finish(r, "forwarded request"));
  return req;
}

Result<std::string> EncodeForwardedResponse(const ForwardedResponse& resp) {
  if (resp.body.size() > kMaxForwardedBody) {
    return Err(InvalidArgument("cluster: forwarded response body too large"));
  }
  if (resp.status < 100 || resp.status > 999) {
    return Err(InvalidArgument("cluster: invalid HTTP status " + std::to_string(resp.status)));
  }
  std::string out;
  out.push_back(static_cast<char>(kCodecVersion));
  PutVarint(out, static_cast<uint64_t>(resp.status));
  PutHeaders(out, resp.headers);
  PutBytes(out, resp.body);
  return out;
}

Result<ForwardedResponse> DecodeForwardedResponse(std::string_view data) {
  Reader r(data);
  COFFER_RETURN_IF_ERROR(CheckVersion(r, "forwarded response"));
  ForwardedResponse resp;
  uint64_t status = r.Varint();
  if (status < 100 || status > 999) r.Fail();
  resp.status = static_cast<int>(status);
  resp.headers = GetHeaders(r);
  resp.body = r.Bytes(kMaxForwardedBody);
  COFFER_RETURN_IF_ERROR(Finish(r, "forwarded response"));
  return resp;
}

}  // namespace coffer::cluster
