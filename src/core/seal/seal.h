#pragma once
// Seal: protects the barrier's root key at rest. The wrapped root key lives in physical
// storage at kRootKeyPath; the seal can wrap and unwrap it. Shamir derives its wrapping
// key (KEK) from unseal key shares supplied by operators; auto-unseal seals (AWS KMS,
// Transit, PKCS#11, later issues) call out to their key service instead.
//
// The seal configuration (type, shares, threshold) is stored unencrypted at
// kSealConfigPath because it must be readable while sealed (sys/seal-status).

#include <string>
#include <string_view>

#include "base/json.h"
#include "base/secret_bytes.h"
#include "base/status.h"

namespace coffer::crypto {
class Random;
}

namespace coffer::core {

inline constexpr char kSealConfigPath[] = "core/seal-config";
inline constexpr char kRootKeyPath[] = "core/seal/root-key";

struct SealConfig {
  std::string type = "shamir";
  int secret_shares = 0;
  int secret_threshold = 0;
  int stored_shares = 0;

  Json ToJson() const;
  static Result<SealConfig> FromJson(const Json& j);
};

class Seal {
 public:
  virtual ~Seal() = default;
  virtual std::string Type() const = 0;
  // Whether operators hold recovery keys (auto-unseal) rather than unseal keys.
  virtual bool RecoveryKeysSupported() const = 0;
  virtual Result<std::string> WrapRootKey(const SecretBytes& root_key) = 0;
  virtual Result<SecretBytes> UnwrapRootKey(std::string_view blob) = 0;
};

// Shamir: the KEK is the secret split into the unseal key shares.
class ShamirSeal final : public Seal {
 public:
  explicit ShamirSeal(crypto::Random& random) : random_(random) {}
  std::string Type() const override { return "shamir"; }
  bool RecoveryKeysSupported() const override { return false; }
  void SetKek(SecretBytes kek) { kek_ = std::move(kek); }
  void ClearKek() { kek_.Wipe(); }
  Result<std::string> WrapRootKey(const SecretBytes& root_key) override;
  Result<SecretBytes> UnwrapRootKey(std::string_view blob) override;

 private:
  crypto::Random& random_;
  SecretBytes kek_;
};

}  // namespace coffer::core
