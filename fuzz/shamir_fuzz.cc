// crypto::ShamirCombine on shares cut from the input: byte 0 is the number of shares
// (mod 256), each share is a length byte followed by that many bytes. Also, when the
// input is long enough, a split of its tail must combine back to it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "base/secret_bytes.h"
#include "crypto/fake_random.h"
#include "crypto/shamir.h"
#include "fuzz/fuzz_util.h"

using namespace coffer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  int count = in.Byte();
  std::vector<SecretBytes> shares;
  for (int i = 0; i < count && !in.empty(); ++i) {
    std::string_view bytes = in.Take(in.Byte());
    shares.emplace_back(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  (void)crypto::ShamirCombine(shares);

  // Round trip: the remaining bytes as a secret, split 2..5 of 2..5 ways.
  std::string_view secret = in.Rest();
  if (secret.empty() || secret.size() > 64) return 0;
  int parts = 2 + count % 4, threshold = 2 + (count / 4) % 4;
  crypto::SeededRandom random(count);
  auto split = crypto::ShamirSplit(
      SecretBytes(reinterpret_cast<const uint8_t*>(secret.data()), secret.size()), parts, threshold,
      random);
  if (!split) return 0;
  std::vector<SecretBytes> subset;
  for (int i = 0; i < threshold && i < parts; ++i) subset.push_back((*split)[i].Clone());
  auto combined = crypto::ShamirCombine(subset);
  FUZZ_CHECK(combined);
  FUZZ_CHECK(combined->size() == secret.size());
  FUZZ_CHECK(std::memcmp(secret.data(), combined->data(), secret.size()) == 0);
  return 0;
}
