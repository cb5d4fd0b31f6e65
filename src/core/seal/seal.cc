#include "core/seal/seal.h"

#include "crypto/aes_gcm.h"
#include "crypto/random.h"

namespace coffer::core {

Json SealConfig::ToJson() const {
  return {{"type", type},
          {"secret_shares", secret_shares},
          {"secret_threshold", secret_threshold},
          {"stored_shares", stored_shares}};
}

Result<SealConfig> SealConfig::FromJson(const Json& j) {
  if (!j.is_object()) return Err(Corruption("seal config: not an object"));
  SealConfig c;
  c.type = j.value("type", "shamir");
  c.secret_shares = j.value("secret_shares", 0);
  c.secret_threshold = j.value("secret_threshold", 0);
  c.stored_shares = j.value("stored_shares", 0);
  return c;
}

// Wrapped root key: version byte 0x01, 12-byte nonce, AES-256-GCM ciphertext+tag, with
// kRootKeyPath as associated data (docs/formats/barrier.md).
Result<std::string> ShamirSeal::WrapRootKey(const SecretBytes& root_key) {
  if (kek_.size() != 32) return Err(Internal("shamir seal: no key"));
  std::string nonce(12, '\0');
  COFFER_RETURN_IF_ERROR(random_.Fill(reinterpret_cast<uint8_t*>(nonce.data()), nonce.size()));
  COFFER_ASSIGN_OR_RETURN(std::string ct,
                          crypto::AesGcmSeal(kek_, nonce, root_key.view(), kRootKeyPath));
  return std::string(1, '\x01') + nonce + ct;
}

Result<SecretBytes> ShamirSeal::UnwrapRootKey(std::string_view blob) {
  if (kek_.size() != 32) return Err(Internal("shamir seal: no key"));
  if (blob.size() < 1 + 12 + 16 || blob[0] != '\x01')
    return Err(Corruption("shamir seal: malformed root key entry"));
  auto pt = crypto::AesGcmOpen(kek_, blob.substr(1, 12), blob.substr(13), kRootKeyPath);
  if (!pt) return Err(InvalidArgument("failed to unseal: the unseal keys are not valid"));
  SecretBytes out = SecretBytes::FromString(*pt);
  WipeString(*pt);
  return out;
}

}  // namespace coffer::core
