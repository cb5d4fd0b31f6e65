#include "core/barrier.h"

#include "base/json.h"
#include "crypto/aes_gcm.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "storage/keys.h"
#include "telemetry/metrics.h"

namespace coffer::core {

namespace {

constexpr uint8_t kFormatVersion = 2;  // AES-256-GCM, path as associated data
constexpr size_t kNonceSize = 12;
constexpr size_t kHeaderSize = 4 + 1 + kNonceSize;

void PutU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

uint32_t GetU32(std::string_view in) {
  return (uint32_t(uint8_t(in[0])) << 24) | (uint32_t(uint8_t(in[1])) << 16) |
         (uint32_t(uint8_t(in[2])) << 8) | uint32_t(uint8_t(in[3]));
}

int64_t ToUnixNanos(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::string EncodeKeyring(const Keyring& ring) {
  Json j;
  j["version"] = 1;
  j["root_key"] = crypto::Base64Encode(ring.root_key.view());
  j["terms"] = Json::array();
  for (const auto& t : ring.terms) {
    j["terms"].push_back({{"term", t.term},
                          {"key", crypto::Base64Encode(t.key.view())},
                          {"install_time_ns", ToUnixNanos(t.install_time)}});
  }
  return j.dump();
}

Result<Keyring> DecodeKeyring(std::string_view text) {
  COFFER_ASSIGN_OR_RETURN(Json j, ParseJson(text));
  if (!j.is_object() || j.value("version", 0) != 1 || !j.contains("terms"))
    return Err(Corruption("keyring: unknown format"));
  Keyring ring;
  COFFER_ASSIGN_OR_RETURN(std::string root, crypto::Base64Decode(j.value("root_key", "")));
  ring.root_key = SecretBytes::FromString(root);
  WipeString(root);
  for (const auto& t : j["terms"]) {
    KeyTerm term;
    term.term = t.value("term", 0u);
    COFFER_ASSIGN_OR_RETURN(std::string key, crypto::Base64Decode(t.value("key", "")));
    term.key = SecretBytes::FromString(key);
    WipeString(key);
    term.install_time = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(t.value("install_time_ns", int64_t{0}))));
    if (term.key.size() != 32 || term.term == 0) return Err(Corruption("keyring: bad term"));
    ring.terms.push_back(std::move(term));
  }
  if (ring.terms.empty() || ring.root_key.size() != 32) return Err(Corruption("keyring: empty"));
  return ring;
}

Keyring RootOnlyRing(const SecretBytes& root_key) {
  Keyring ring;
  KeyTerm t;
  t.term = 0;
  t.key = root_key.Clone();
  ring.terms.push_back(std::move(t));
  return ring;
}

}  // namespace

const KeyTerm* Keyring::Find(uint32_t term) const {
  for (const auto& t : terms)
    if (t.term == term) return &t;
  return nullptr;
}

Barrier::Barrier(storage::Backend& physical, crypto::Random& random, const Clock& clock)
    : physical_(physical), random_(random), clock_(clock) {}

Result<std::string> Barrier::Encrypt(const KeyTerm& term, std::string_view path,
                                     std::string_view plaintext) const {
  std::string nonce(kNonceSize, '\0');
  COFFER_RETURN_IF_ERROR(random_.Fill(reinterpret_cast<uint8_t*>(nonce.data()), nonce.size()));
  COFFER_ASSIGN_OR_RETURN(std::string ct, crypto::AesGcmSeal(term.key, nonce, plaintext, path));
  std::string out;
  out.reserve(kHeaderSize + ct.size());
  PutU32(out, term.term);
  out.push_back(static_cast<char>(kFormatVersion));
  out += nonce;
  out += ct;
  return out;
}

Result<std::string> Barrier::Decrypt(const Keyring& ring, std::string_view path,
                                     std::string_view blob) const {
  if (blob.size() < kHeaderSize + 16) return Err(Corruption("barrier: entry too short"));
  uint32_t term_id = GetU32(blob);
  if (static_cast<uint8_t>(blob[4]) != kFormatVersion)
    return Err(Corruption("barrier: unknown entry version"));
  const KeyTerm* term = ring.Find(term_id);
  if (term == nullptr)
    return Err(Corruption("barrier: no key for term " + std::to_string(term_id)));
  auto pt =
      crypto::AesGcmOpen(term->key, blob.substr(5, kNonceSize), blob.substr(kHeaderSize), path);
  if (!pt) return Err(Corruption("barrier: failed to decrypt entry at " + std::string(path)));
  return pt;
}

Result<bool> Barrier::Initialized() {
  COFFER_ASSIGN_OR_RETURN(auto v, physical_.Get(kKeyringPath));
  return v.has_value();
}

Status Barrier::PersistKeyring(const Keyring& ring) {
  Keyring root_ring = RootOnlyRing(ring.root_key);
  std::string plain = EncodeKeyring(ring);
  auto blob = Encrypt(root_ring.terms[0], kKeyringPath, plain);
  WipeString(plain);
  if (!blob) return blob.error();
  return physical_.Put(kKeyringPath, *blob);
}

Status Barrier::Initialize(const SecretBytes& root_key) {
  if (root_key.size() != 32) return InvalidArgument("barrier: root key must be 32 bytes");
  auto init = Initialized();
  if (!init) return init.error();
  if (*init) return InvalidArgument("barrier is already initialized");
  Keyring ring;
  ring.root_key = root_key.Clone();
  KeyTerm first;
  first.term = 1;
  auto key = crypto::RandomBytes(random_, 32);
  if (!key) return key.error();
  first.key = std::move(*key);
  first.install_time = clock_.Now();
  ring.terms.push_back(std::move(first));
  return PersistKeyring(ring);
}

Status Barrier::Unseal(const SecretBytes& root_key) {
  auto blob = physical_.Get(kKeyringPath);
  if (!blob) return blob.error();
  if (!blob->has_value()) return {StatusCode::kNotInitialized, "barrier is not initialized"};
  return UnsealWithKeyring(root_key, **blob);
}

Status Barrier::Reload() {
  auto ring = Ring();
  if (!ring) return ::coffer::Sealed();
  return Unseal(ring->root_key);
}

Result<std::string> Barrier::EncryptBlob(std::string_view path, std::string_view plaintext) const {
  auto ring = Ring();
  if (!ring) return Err(::coffer::Sealed());
  return Encrypt(ring->Active(), path, plaintext);
}

Result<std::string> Barrier::DecryptBlob(std::string_view path, std::string_view blob) const {
  auto ring = Ring();
  if (!ring) return Err(::coffer::Sealed());
  return Decrypt(*ring, path, blob);
}

Status Barrier::CheckKeyring(std::string_view keyring_blob) const {
  auto ring = Ring();
  if (!ring) return ::coffer::Sealed();
  Keyring root_ring = RootOnlyRing(ring->root_key);
  auto plain = Decrypt(root_ring, kKeyringPath, keyring_blob);
  if (!plain) return PermissionDenied("the keyring does not open with this cluster's root key");
  WipeString(*plain);
  return Status::Ok();
}

Result<std::string> Barrier::KeyringBlob() const {
  auto blob = physical_.Get(kKeyringPath);
  if (!blob) return Err(blob.error());
  if (!blob->has_value())
    return Err(Status(StatusCode::kNotInitialized, "barrier is not initialized"));
  return std::move(**blob);
}

Status Barrier::UnsealWithKeyring(const SecretBytes& root_key, std::string_view blob) {
  Keyring root_ring = RootOnlyRing(root_key);
  auto plain = Decrypt(root_ring, kKeyringPath, blob);
  if (!plain) return PermissionDenied("failed to unseal: the key does not open the keyring");
  auto ring = DecodeKeyring(*plain);
  WipeString(*plain);
  if (!ring) return ring.error();
  ring_.store(std::make_shared<const Keyring>(std::move(*ring)));
  return Status::Ok();
}

void Barrier::Seal() { ring_.store(nullptr); }

bool Barrier::Sealed() const { return ring_.load() == nullptr; }

std::shared_ptr<const Keyring> Barrier::Ring() const { return ring_.load(); }

Status Barrier::Rotate() {
  std::lock_guard<std::mutex> lock(rotate_mu_);
  auto current = Ring();
  if (!current) return ::coffer::Sealed();
  Keyring next;
  next.root_key = current->root_key.Clone();
  for (const auto& t : current->terms) {
    KeyTerm copy;
    copy.term = t.term;
    copy.key = t.key.Clone();
    copy.install_time = t.install_time;
    next.terms.push_back(std::move(copy));
  }
  KeyTerm fresh;
  fresh.term = current->Active().term + 1;
  auto key = crypto::RandomBytes(random_, 32);
  if (!key) return key.error();
  fresh.key = std::move(*key);
  fresh.install_time = clock_.Now();
  next.terms.push_back(std::move(fresh));
  COFFER_RETURN_IF_ERROR(PersistKeyring(next));
  ring_.store(std::make_shared<const Keyring>(std::move(next)));
  return Status::Ok();
}

Result<Barrier::KeyInfo> Barrier::ActiveKeyInfo() const {
  auto ring = Ring();
  if (!ring) return Err(::coffer::Sealed());
  return KeyInfo{ring->Active().term, ring->Active().install_time, encryptions_.load()};
}

Result<SecretBytes> Barrier::DeriveKey(std::string_view purpose) const {
  auto ring = Ring();
  if (!ring) return Err(::coffer::Sealed());
  return crypto::Hkdf(ring->root_key, "coffer-barrier", purpose, 32);
}

Result<std::optional<std::string>> Barrier::Get(std::string_view key) {
  telemetry::ScopedTimer timer("barrier.get");
  auto ring = Ring();
  if (!ring) return Err(::coffer::Sealed());
  COFFER_ASSIGN_OR_RETURN(auto blob, physical_.Get(key));
  if (!blob) return std::optional<std::string>();
  COFFER_ASSIGN_OR_RETURN(std::string plain, Decrypt(*ring, key, *blob));
  return std::optional<std::string>(std::move(plain));
}

Status Barrier::Put(std::string_view key, std::string_view value) {
  telemetry::ScopedTimer timer("barrier.put");
  auto ring = Ring();
  if (!ring) return ::coffer::Sealed();
  auto blob = Encrypt(ring->Active(), key, value);
  if (!blob) return blob.error();
  encryptions_.fetch_add(1, std::memory_order_relaxed);
  return physical_.Put(key, *blob);
}

Status Barrier::Delete(std::string_view key) {
  telemetry::ScopedTimer timer("barrier.delete");
  if (!Ring()) return ::coffer::Sealed();
  return physical_.Delete(key);
}

Result<std::vector<std::string>> Barrier::List(std::string_view prefix) {
  telemetry::ScopedTimer timer("barrier.list");
  if (!Ring()) return Err(::coffer::Sealed());
  return physical_.List(prefix);
}

Status Barrier::Batch(std::span<const storage::Op> ops) {
  // Vault has no batch metric; a batch is timed as one put (it is one storage write).
  telemetry::ScopedTimer timer("barrier.put");
  auto ring = Ring();
  if (!ring) return ::coffer::Sealed();
  std::vector<storage::Op> sealed_ops;
  sealed_ops.reserve(ops.size());
  for (const auto& op : ops) {
    if (op.kind == storage::Op::Kind::kDelete) {
      sealed_ops.push_back(op);
      continue;
    }
    auto blob = Encrypt(ring->Active(), op.key, op.value);
    if (!blob) return blob.error();
    sealed_ops.push_back(storage::Op::Put(op.key, std::move(*blob)));
  }
  encryptions_.fetch_add(ops.size(), std::memory_order_relaxed);
  return physical_.Batch(sealed_ops);
}

// --- StorageView ---

Result<std::optional<std::string>> StorageView::Get(std::string_view key) {
  if (key.empty()) return Err(InvalidArgument("storage key must not be empty"));
  return under_.Get(prefix_ + std::string(key));
}

Status StorageView::Put(std::string_view key, std::string_view value) {
  if (key.empty()) return InvalidArgument("storage key must not be empty");
  return under_.Put(prefix_ + std::string(key), value);
}

Status StorageView::Delete(std::string_view key) {
  COFFER_RETURN_IF_ERROR(storage::ValidateKey(key));
  return under_.Delete(prefix_ + std::string(key));
}

Result<std::vector<std::string>> StorageView::List(std::string_view prefix) {
  return under_.List(prefix_ + std::string(prefix));
}

Status StorageView::Batch(std::span<const storage::Op> ops) {
  std::vector<storage::Op> prefixed;
  prefixed.reserve(ops.size());
  for (const auto& op : ops) {
    if (op.key.empty()) return InvalidArgument("storage key must not be empty");
    prefixed.push_back({op.kind, prefix_ + op.key, op.value});
  }
  return under_.Batch(prefixed);
}

}  // namespace coffer::core
