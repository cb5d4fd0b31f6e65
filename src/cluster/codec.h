#pragma once
// Wire encodings for the cluster port: Raft messages and batches of them, forwarded HTTP
// requests and responses. Format (all integers unsigned LEB128 varints unless noted;
// bytes = varint length + raw bytes) in README.md.
//
// Decoding is for untrusted input: every read is bounds-checked, a length is checked
// against the bytes that remain before anything is allocated (so a decode never allocates
// more than a small multiple of its input), and an unknown version or message type, an
// overlong varint, an out-of-range value or trailing bytes fail with Corruption.
// All functions are pure and thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "storage/raft/types.h"

namespace coffer::cluster {

// The version byte that starts every encoding below.
inline constexpr uint8_t kCodecVersion = 1;

std::string EncodeMessage(const storage::raft::Message& m);
Result<storage::raft::Message> DecodeMessage(std::string_view data);

std::string EncodeBatch(const std::vector<storage::raft::Message>& messages);
Result<std::vector<storage::raft::Message>> DecodeBatch(std::string_view data);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// An HTTP request a standby forwards to the active node.
struct ForwardedRequest {
  std::string method;          // "GET", "PUT", ...
  std::string target;          // path and query, as received ("/v1/secret/data/a?version=2")
  HeaderList headers;          // as received, in order (names may repeat)
  std::string body;            // at most kMaxForwardedBody bytes
  std::string remote_address;  // the original client's address

  bool operator==(const ForwardedRequest&) const = default;
};

struct ForwardedResponse {
  int status = 200;
  HeaderList headers;
  std::string body;  // at most kMaxForwardedBody bytes

  bool operator==(const ForwardedResponse&) const = default;
};

inline constexpr size_t kMaxForwardedBody = 32u << 20;

// Encode fails (InvalidArgument) only for a body over kMaxForwardedBody or a status
// outside [100, 999].
Result<std::string> EncodeForwardedRequest(const ForwardedRequest& r);
Result<ForwardedRequest> DecodeForwardedRequest(std::string_view data);
Result<std::string> EncodeForwardedResponse(const ForwardedResponse& r);
Result<ForwardedResponse> DecodeForwardedResponse(std::string_view data);

}  // namespace coffer::cluster
