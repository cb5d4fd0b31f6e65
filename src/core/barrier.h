#pragma once
// Barrier: the one place where Coffer encrypts. Every entry written through it is sealed
// with AES-256-GCM under the keyring's active term, with the storage path as associated
// data, so the physical backend sees only ciphertext and an entry moved to another path
// fails to decrypt. Format: docs/formats/barrier.md.
//
//   root key ──encrypts──> keyring (terms 1..n) ──encrypts──> every entry
//
// The barrier is sealed until Unseal(root_key) loads the keyring. Thread-safety: all
// methods may be called concurrently; the keyring is an immutable snapshot swapped
// atomically on Rotate().

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/secret_bytes.h"
#include "storage/backend.h"

namespace coffer::crypto {
class Random;
}

namespace coffer::core {

struct KeyTerm {
  uint32_t term = 0;
  SecretBytes key;  // 32 bytes
  std::chrono::system_clock::time_point install_time;
};

struct Keyring {
  std::vector<KeyTerm> terms;  // ascending by term; the last is active
  SecretBytes root_key;
  const KeyTerm* Find(uint32_t term) const;
  const KeyTerm& Active() const { return terms.back(); }
};

// Where the barrier keeps its own records in the physical backend.
inline constexpr char kKeyringPath[] = "core/keyring";

class Barrier final : public storage::Backend {
 public:
  Barrier(storage::Backend& physical, crypto::Random& random, const Clock& clock);

  // Creates the first keyring under `root_key` and writes it (fails if one exists).
  Status Initialize(const SecretBytes& root_key);
  // True once a keyring exists in storage.
  Result<bool> Initialized();
  // Loads and decrypts the keyring with `root_key`; wrong key → PermissionDenied.
  Status Unseal(const SecretBytes& root_key);
  void Seal();
  bool Sealed() const;
  // Unseals from a keyring record held elsewhere (a node joining a cluster has it from
  // the join challenge before its own storage does).
  Status UnsealWithKeyring(const SecretBytes& root_key, std::string_view keyring_blob);
  // Re-reads the keyring with the root key already held (a standby taking over after
  // the active node rotated it). Sealed → error.
  Status Reload();
  // Encrypts / decrypts a value that is not stored (the join challenge) with the
  // current keyring, `path` as associated data. Sealed → error.
  Result<std::string> EncryptBlob(std::string_view path, std::string_view plaintext) const;
  Result<std::string> DecryptBlob(std::string_view path, std::string_view blob) const;
  // Whether the root key held now opens `keyring_blob` (a keyring record from a
  // snapshot). Sealed → error; PermissionDenied when it does not.
  Status CheckKeyring(std::string_view keyring_blob) const;
  // The encrypted keyring record as stored (for the join challenge).
  Result<std::string> KeyringBlob() const;

  // Adds a new term and makes it active (sys/rotate).
  Status Rotate();
  // Active term number and its install time (sys/key-status).
  struct KeyInfo {
    uint32_t term = 0;
    std::chrono::system_clock::time_point install_time;
    uint64_t encryptions = 0;
  };
  Result<KeyInfo> ActiveKeyInfo() const;

  // A key derived from the keyring's root for a purpose (e.g. "token-salt", batch tokens):
  // HKDF(root, info = purpose). Sealed → error.
  Result<SecretBytes> DeriveKey(std::string_view purpose) const;

  // storage::Backend over plaintext.
  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  Status Batch(std::span<const storage::Op> ops) override;

  // Encryption used for the keyring itself and exposed for tests.
  Result<std::string> Encrypt(const KeyTerm& term, std::string_view path,
                              std::string_view plaintext) const;
  Result<std::string> Decrypt(const Keyring& ring, std::string_view path,
                              std::string_view blob) const;

 private:
  Status PersistKeyring(const Keyring& ring);
  std::shared_ptr<const Keyring> Ring() const;

  storage::Backend& physical_;
  crypto::Random& random_;
  const Clock& clock_;
  std::atomic<std::shared_ptr<const Keyring>> ring_;
  std::atomic<uint64_t> encryptions_{0};
  std::mutex rotate_mu_;
};

// A prefixed window onto a storage::Backend (Vault's BarrierView): every key is
// prefix + key; List and Batch are translated likewise. Each mount gets one.
class StorageView final : public storage::Backend {
 public:
  StorageView(storage::Backend& under, std::string prefix)
      : under_(under), prefix_(std::move(prefix)) {}
  const std::string& prefix() const { return prefix_; }

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  Status Batch(std::span<const storage::Op> ops) override;

 private:
  storage::Backend& under_;
  std::string prefix_;
};

}  // namespace coffer::core
