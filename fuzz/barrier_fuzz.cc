// Barrier::Decrypt of arbitrary bytes with a fixed two-term keyring. Input: one byte n,
// then n bytes of storage path (mod 64), then the blob. Nothing may decrypt but a blob
// the barrier encrypted; every rejection is a Status, never a crash.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "base/clock.h"
#include "base/secret_bytes.h"
#include "core/barrier.h"
#include "crypto/fake_random.h"
#include "fuzz/barrier_keyring.h"
#include "fuzz/fuzz_util.h"
#include "storage/inmem/inmem.h"

using namespace coffer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static storage::InmemBackend physical;
  static crypto::SeededRandom random(7);
  static FakeClock clock;
  static core::Barrier barrier(physical, random, clock);
  static const core::Keyring ring = fuzz::BarrierKeyring();

  fuzz::Input in(data, size);
  std::string_view path = in.Take(in.Byte() % 64);
  std::string_view blob = in.Rest();
  auto plain = barrier.Decrypt(ring, path, blob);
  (void)plain;
  // The blob as plaintext: encrypting then decrypting gives it back.
  auto sealed = barrier.Encrypt(ring.Active(), path, blob);
  FUZZ_CHECK(sealed);
  auto opened = barrier.Decrypt(ring, path, *sealed);
  FUZZ_CHECK(opened && *opened == blob);
  return 0;
}
