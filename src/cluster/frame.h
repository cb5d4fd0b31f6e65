#pragma once
// Frames on a cluster connection: [u32 big-endian payload length][u8 kind][payload].
// See README.md for what each kind carries and which side sends it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace coffer::cluster {

enum class FrameKind : uint8_t {
  kRaftBatch = 1,        // EncodeBatch(messages)
  kSnapshotBegin = 2,    // EncodeMessage(MsgSnap)
  kSnapshotChunk = 3,    // raw snapshot stream bytes
  kSnapshotEnd = 4,      // u64 big-endian: total stream bytes
  kSnapshotAck = 5,      // u8: 1 saved and handed over, 0 failed
  kForwardRequest = 6,   // u64 big-endian request id + EncodeForwardedRequest
  kForwardResponse = 7,  // u64 big-endian request id + EncodeForwardedResponse
  kPing = 8,             // empty: keeps an idle connection alive
};

inline constexpr size_t kFrameHeaderBytes = 5;

inline void PutU64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

inline uint64_t GetU64(std::string_view in) {  // requires in.size() >= 8
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

// A whole frame (header and payload) ready to write.
inline std::string MakeFrame(FrameKind kind, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderBytes + payload.size());
  const auto n = static_cast<uint32_t>(payload.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out.push_back(static_cast<char>(kind));
  out.append(payload);
  return out;
}

}  // namespace coffer::cluster
