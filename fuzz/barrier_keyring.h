#pragma once
// The fixed two-term keyring barrier_fuzz decrypts with (make_seeds encrypts its seeds
// with the same one).
#include <cstdint>

#include "base/secret_bytes.h"
#include "core/barrier.h"

namespace coffer::fuzz {

inline core::Keyring BarrierKeyring() {
  core::Keyring ring;
  for (uint32_t term : {1u, 2u}) {
    core::KeyTerm t;
    t.term = term;
    t.key = SecretBytes(32);
    for (size_t i = 0; i < 32; ++i) t.key.data()[i] = static_cast<uint8_t>(term * 31 + i);
    ring.terms.push_back(std::move(t));
  }
  ring.root_key = SecretBytes::FromString("0123456789abcdef0123456789abcdef");
  return ring;
}

}  // namespace coffer::fuzz
