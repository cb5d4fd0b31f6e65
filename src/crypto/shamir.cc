#include "crypto/shamir.h"

#include <array>
#include <cstdint>
#include <numeric>

#include "crypto/gf256.h"

namespace coffer::crypto {

namespace {

// A uniformly random value in [0, bound), 1 <= bound <= 256, by rejection sampling.
Result<unsigned> UniformBelow(Random& r, unsigned bound) {
  const unsigned limit = 256 - 256 % bound;  // largest multiple of bound <= 256
  for (;;) {
    uint8_t b = 0;
    COFFER_RETURN_IF_ERROR(r.Fill(&b, 1));
    if (b < limit) return b % bound;
  }
}

// The first `parts` entries of a uniformly random permutation of 1..255 (a partial
// Fisher-Yates shuffle), as Vault takes them from rand.Perm(255).
Result<std::vector<uint8_t>> RandomXCoordinates(Random& r, int parts) {
  std::array<uint8_t, 255> xs;
  std::iota(xs.begin(), xs.end(), uint8_t{1});
  for (int i = 0; i < parts; ++i) {
    COFFER_ASSIGN_OR_RETURN(unsigned j, UniformBelow(r, 255 - i));
    std::swap(xs[i], xs[i + j]);
  }
  return std::vector<uint8_t>(xs.begin(), xs.begin() + parts);
}

}  // namespace

Result<std::vector<SecretBytes>> ShamirSplit(const SecretBytes& secret, int parts, int threshold,
                                             Random& r) {
  // Checked in Vault's order so the first message matches.
  if (parts < threshold) return Err(InvalidArgument("parts cannot be less than threshold"));
  if (parts > 255) return Err(InvalidArgument("parts cannot exceed 255"));
  if (threshold < 2) return Err(InvalidArgument("threshold must be at least 2"));
  if (threshold > 255) return Err(InvalidArgument("threshold cannot exceed 255"));
  if (secret.empty()) return Err(InvalidArgument("cannot split an empty secret"));

  COFFER_ASSIGN_OR_RETURN(std::vector<uint8_t> xs, RandomXCoordinates(r, parts));

  // coefficients[b * degree + (k - 1)] is the x^k coefficient of byte b's polynomial.
  const size_t n = secret.size();
  const size_t degree = static_cast<size_t>(threshold) - 1;
  COFFER_ASSIGN_OR_RETURN(SecretBytes coefficients, RandomBytes(r, n * degree));

  std::vector<SecretBytes> shares;
  shares.reserve(parts);
  for (int i = 0; i < parts; ++i) {
    const uint8_t x = xs[i];
    SecretBytes share(n + 1);
    for (size_t b = 0; b < n; ++b) {
      const uint8_t* c = coefficients.data() + b * degree;  // c[k-1] multiplies x^k
      // Horner's rule from the highest coefficient down to the intercept.
      uint8_t y = c[degree - 1];
      for (size_t k = degree - 1; k >= 1; --k) y = gf256::Add(gf256::Mul(y, x), c[k - 1]);
      share.data()[b] = gf256::Add(gf256::Mul(y, x), secret.data()[b]);
    }
    share.data()[n] = x;
    shares.push_back(std::move(share));
  }
  return shares;
}

Result<SecretBytes> ShamirCombine(const std::vector<SecretBytes>& shares) {
  if (shares.size() < 2) {
    return Err(InvalidArgument("less than two parts cannot be used to reconstruct the secret"));
  }
  const size_t len = shares[0].size();
  if (len < 2) return Err(InvalidArgument("parts must be at least two bytes"));
  for (const SecretBytes& s : shares) {
    if (s.size() != len) return Err(InvalidArgument("all parts must be the same length"));
  }

  // The x coordinates are public (Vault stores them in the clear) and must be distinct,
  // or the Lagrange denominators below would be zero.
  const size_t k = shares.size();
  std::vector<uint8_t> xs(k);
  std::array<bool, 256> seen{};
  for (size_t i = 0; i < k; ++i) {
    xs[i] = shares[i].data()[len - 1];
    if (seen[xs[i]]) return Err(InvalidArgument("duplicate part detected"));
    seen[xs[i]] = true;
  }

  // Lagrange basis polynomials at 0: l_i(0) = prod_{j != i} x_j / (x_i - x_j).
  // They depend only on the x coordinates, so compute them once for all bytes.
  std::vector<uint8_t> basis(k);
  for (size_t i = 0; i < k; ++i) {
    uint8_t l = 1;
    for (size_t j = 0; j < k; ++j) {
      if (i == j) continue;
      l = gf256::Mul(l, gf256::Div(xs[j], gf256::Add(xs[i], xs[j])));
    }
    basis[i] = l;
  }

  SecretBytes secret(len - 1);
  for (size_t b = 0; b + 1 < len; ++b) {
    uint8_t v = 0;
    for (size_t i = 0; i < k; ++i) v = gf256::Add(v, gf256::Mul(shares[i].data()[b], basis[i]));
    secret.data()[b] = v;
  }
  return secret;
}

}  // namespace coffer::crypto
