#pragma once
// AES-256-GCM with a 12-byte nonce and a 16-byte tag, the AEAD under the barrier and
// every other encryption in Coffer. The caller chooses the nonce; a (key, nonce) pair
// must never seal two different messages.

#include <cstddef>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/status.h"

namespace coffer::crypto {

inline constexpr size_t kAesGcmKeySize = 32;
inline constexpr size_t kAesGcmNonceSize = 12;
inline constexpr size_t kAesGcmTagSize = 16;

// Encrypts plaintext and authenticates it together with aad. Returns ciphertext||tag
// (plaintext.size() + 16 bytes). InvalidArgument if key is not 32 bytes or nonce not 12.
Result<std::string> AesGcmSeal(const SecretBytes& key, std::string_view nonce,
                               std::string_view plaintext, std::string_view aad);

// Reverses AesGcmSeal. Corruption if the tag does not verify (wrong key, nonce or aad,
// or altered data); no plaintext is ever returned in that case. InvalidArgument for a
// bad key or nonce size, Corruption if the input is shorter than a tag.
Result<std::string> AesGcmOpen(const SecretBytes& key, std::string_view nonce,
                               std::string_view ciphertext_and_tag, std::string_view aad);

}  // namespace coffer::crypto
