#pragma once
// Random: the one source of randomness for Coffer. Production code takes a Random& so
// tests can inject a deterministic or failing source (see DESIGN.md, "Time and
// randomness are injected"); SystemRandom::Get() is the process-wide OpenSSL CSPRNG.

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/secret_bytes.h"
#include "base/status.h"

namespace coffer::crypto {

class Random {
 public:
  virtual ~Random() = default;
  // Fills out[0..n) with cryptographically strong random bytes. On error the contents
  // of out are unspecified and must not be used.
  virtual Status Fill(uint8_t* out, size_t n) = 0;
};

// OpenSSL's RAND_bytes (a DRBG seeded from the OS). Thread-safe.
class SystemRandom final : public Random {
 public:
  Status Fill(uint8_t* out, size_t n) override;
  // The process-wide instance; never destroyed.
  static Random& Get();
};

// n random bytes.
Result<SecretBytes> RandomBytes(Random& r, size_t n);

// n characters drawn uniformly from [0-9A-Za-z] (rejection sampling, no modulo bias).
Result<std::string> RandomBase62(Random& r, size_t n);

// An RFC 4122 version 4 UUID: lowercase, 36 characters, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
Result<std::string> GenerateUuid(Random& r);

}  // namespace coffer::crypto
