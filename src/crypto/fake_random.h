#pragma once
// Deterministic Random implementations for tests (any module's): a seeded generator,
// a scripted byte sequence, and one that always fails.

#include <cstdint>
#include <vector>

#include "crypto/random.h"

namespace coffer::crypto {

// SplitMix64 from a seed: reproducible, not secure. Not thread-safe.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  Status Fill(uint8_t* out, size_t n) override {
    for (size_t i = 0; i < n; ++i) {
      if (available_ == 0) {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        word_ = z ^ (z >> 31);
        available_ = 8;
      }
      out[i] = static_cast<uint8_t>(word_);
      word_ >>= 8;
      --available_;
    }
    return Status::Ok();
  }

 private:
  uint64_t state_;
  uint64_t word_ = 0;
  int available_ = 0;
};

// Returns the given bytes in order, starting over at the end. Not thread-safe.
class ScriptedRandom final : public Random {
 public:
  explicit ScriptedRandom(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  Status Fill(uint8_t* out, size_t n) override {
    for (size_t i = 0; i < n; ++i) {
      out[i] = bytes_[next_];
      next_ = (next_ + 1) % bytes_.size();
    }
    return Status::Ok();
  }

 private:
  std::vector<uint8_t> bytes_;
  size_t next_ = 0;
};

// Always fails, to check that callers propagate the error.
class FailingRandom final : public Random {
 public:
  Status Fill(uint8_t*, size_t) override { return Internal("entropy source failed"); }
};

}  // namespace coffer::crypto
