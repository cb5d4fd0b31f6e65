#pragma once
// Shamir secret sharing over GF(2^8), byte-compatible with Vault's `shamir` package:
// shares made by Vault combine here and the reverse. The share layout is written down in
// docs/formats/shamir.md: the y value for every secret byte, then one byte holding x.
//
// Invariants: x coordinates within one split are distinct and non-zero; all arithmetic is
// constant time (crypto/gf256.h). Thread-safe (no shared state; Random must be).

#include <vector>

#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/random.h"

namespace coffer::crypto {

// Splits secret into `parts` shares, any `threshold` of which recover it. Each share is
// secret.size() + 1 bytes. Each secret byte is the intercept of its own polynomial of
// degree threshold - 1 with uniformly random coefficients; the x coordinates are the
// first `parts` entries of a random permutation of 1..255.
// InvalidArgument, with Vault's messages, unless 2 <= threshold <= parts <= 255 and the
// secret is non-empty.
Result<std::vector<SecretBytes>> ShamirSplit(const SecretBytes& secret, int parts, int threshold,
                                             Random& r);

// Recovers the secret from at least two shares by Lagrange interpolation at x = 0.
// InvalidArgument for fewer than two shares, shares shorter than two bytes, shares of
// different lengths, or two shares with the same x. Fewer shares than the threshold give
// a wrong secret, not an error: only the caller (e.g. by opening the keyring) can tell.
Result<SecretBytes> ShamirCombine(const std::vector<SecretBytes>& shares);

}  // namespace coffer::crypto
