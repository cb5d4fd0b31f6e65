#pragma once
// Arithmetic in GF(2^8) with the AES reduction polynomial x^8 + x^4 + x^3 + x + 1 (0x11b),
// the field of Vault's shamir package. Internal to crypto/ (exposed for tests).
//
// Every operation runs in constant time: no table lookups and no branches that depend
// on the operands, because the operands are key material.

#include <cstdint>

namespace coffer::crypto::gf256 {

// Addition and subtraction are both XOR.
inline uint8_t Add(uint8_t a, uint8_t b) { return a ^ b; }

// Shift-and-add ("Russian peasant") multiplication, most significant bit of b first.
// Each round doubles r (reducing by 0x1b when its top bit falls off) and adds a when
// the current bit of b is set; both choices are made with masks.
inline uint8_t Mul(uint8_t a, uint8_t b) {
  unsigned r = 0;
  for (int i = 7; i >= 0; --i) {
    unsigned bit_mask = 0u - ((static_cast<unsigned>(b) >> i) & 1u);  // all ones if bit set
    unsigned reduce_mask = 0u - ((r >> 7) & 1u);
    r = ((r << 1) & 0xffu) ^ (reduce_mask & 0x1bu) ^ (bit_mask & a);
  }
  return static_cast<uint8_t>(r);
}

// The multiplicative inverse, a^254 (a^255 = 1 for a != 0). Inverse(0) is 0.
// A fixed sequence of squarings and multiplications: 254 = 0b11111110.
inline uint8_t Inverse(uint8_t a) {
  uint8_t a2 = Mul(a, a);        // a^2
  uint8_t a3 = Mul(a2, a);       // a^3
  uint8_t a6 = Mul(a3, a3);      // a^6
  uint8_t a7 = Mul(a6, a);       // a^7
  uint8_t a14 = Mul(a7, a7);     // a^14
  uint8_t a15 = Mul(a14, a);     // a^15
  uint8_t a30 = Mul(a15, a15);   // a^30
  uint8_t a31 = Mul(a30, a);     // a^31
  uint8_t a62 = Mul(a31, a31);   // a^62
  uint8_t a63 = Mul(a62, a);     // a^63
  uint8_t a126 = Mul(a63, a63);  // a^126
  uint8_t a127 = Mul(a126, a);   // a^127
  return Mul(a127, a127);        // a^254
}

// a / b for b != 0 (the caller guarantees it; Div(a, 0) returns 0).
inline uint8_t Div(uint8_t a, uint8_t b) { return Mul(a, Inverse(b)); }

}  // namespace coffer::crypto::gf256
