// sys/key-status, sys/rotate, sys/host-info and sys/tools/hash.
// Vault: handleKeyStatus, handleRotate, handleHostInfo, pathHashWrite.

#include <openssl/evp.h>

#include "core/core_impl.h"
#include "crypto/hash.h"
#include "engines/sys/host_info.h"
#include "engines/sys/system_backend.h"

namespace coffer::engines::sys {

using core::Operation;
using framework::FieldType;

namespace {

// The OpenSSL digest for a Vault hash algorithm name, or nullptr.
const EVP_MD* DigestFor(const std::string& algorithm) {
  if (algorithm == "sha2-224") return EVP_sha224();
  if (algorithm == "sha2-256") return EVP_sha256();
  if (algorithm == "sha2-384") return EVP_sha384();
  if (algorithm == "sha2-512") return EVP_sha512();
  if (algorithm == "sha3-224") return EVP_sha3_224();
  if (algorithm == "sha3-256") return EVP_sha3_256();
  if (algorithm == "sha3-384") return EVP_sha3_384();
  if (algorithm == "sha3-512") return EVP_sha3_512();
  return nullptr;
}

framework::Path MakePath(std::string pattern, Operation op, framework::OperationFunc fn,
                         std::string synopsis) {
  framework::Path p;
  p.pattern = std::move(pattern);
  p.operations[op] = std::move(fn);
  p.help_synopsis = std::move(synopsis);
  return p;
}

}  // namespace

std::vector<framework::Path> SystemBackend::InfoPaths() {
  std::vector<framework::Path> paths;
  paths.push_back(MakePath(
      "key-status$", Operation::kRead,
      [this](core::Request& r, FieldData& d) { return KeyStatus(r, d); },
      "Provides information about the backend encryption key."));
  paths.push_back(MakePath(
      "rotate$", Operation::kUpdate,
      [this](core::Request& r, FieldData& d) { return Rotate(r, d); },
      "Rotates the backend encryption key used to persist data."));
  paths.push_back(MakePath(
      "host-info/?$", Operation::kRead,
      [this](core::Request& r, FieldData& d) { return HostInfo(r, d); },
      "Information about the host instance that this Vault server is running on."));
  framework::Path hash = MakePath(
      "tools/hash(/(?P<urlalgorithm>.+))?$", Operation::kUpdate,
      [this](core::Request& r, FieldData& d) { return Hash(r, d); },
      "Generate a hash sum for input data");
  hash.fields = {{"input", {FieldType::kString}},
                 {"format", {FieldType::kString, Json("hex")}},
                 {"algorithm", {FieldType::kString, Json("sha2-256")}},
                 {"urlalgorithm", {FieldType::kString}}};
  paths.push_back(std::move(hash));
  return paths;
}

HandlerResult SystemBackend::KeyStatus(core::Request&, FieldData&) {
  COFFER_ASSIGN_OR_RETURN(auto info, core_.GetBarrier().ActiveKeyInfo());
  return core::Response::WithData({{"term", info.term},
                                   {"install_time", FormatTime(info.install_time)},
                                   {"encryptions", info.encryptions}});
}

HandlerResult SystemBackend::Rotate(core::Request&, FieldData&) {
  Status st = core_.GetBarrier().Rotate();
  if (!st.ok())
    return Err(Status(st.code(), "failed to create new encryption key: " + st.message()));
  return core::Response{};
}

HandlerResult SystemBackend::HostInfo(core::Request&, FieldData&) {
  HostInfoResult info = CollectHostInfo("", core_.GetClock().Now());
  core::Response resp = core::Response::WithData(std::move(info.data));
  resp.warnings = std::move(info.warnings);
  return resp;
}

HandlerResult SystemBackend::Hash(core::Request&, FieldData& d) {
  std::string format = d.GetString("format");
  std::string algorithm = d.GetString("urlalgorithm");
  if (algorithm.empty()) algorithm = d.GetString("algorithm");
  auto input = crypto::Base64Decode(d.GetString("input"));
  if (!input)
    return Err(InvalidArgument("unable to decode input as base64: " + input.error().message()));
  if (format != "hex" && format != "base64")
    return Err(InvalidArgument("unsupported encoding format " + format +
                               "; must be \"hex\" or \"base64\""));
  const EVP_MD* md = DigestFor(algorithm);
  if (md == nullptr) return Err(InvalidArgument("unsupported algorithm " + algorithm));
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(input->data(), input->size(), out, &len, md, nullptr) != 1)
    return Err(Internal("hash computation failed"));
  std::string sum(reinterpret_cast<const char*>(out), len);
  return core::Response::WithData(
      {{"sum", format == "hex" ? crypto::HexEncode(sum) : crypto::Base64Encode(sum)}});
}

}  // namespace coffer::engines::sys
