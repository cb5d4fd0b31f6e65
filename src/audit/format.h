#pragma once
// Audit entry formatting, in Vault's shape (audit/types.go, audit/hashstructure.go).
//
// An entry is one JSON object per line: {"auth", "error", "request", "response", "time",
// "type"} with Vault's field names and omitempty (empty strings, zero numbers, empty
// maps/arrays and false are left out). Unless log_raw, every string value under
// request.data and response.data (recursively) and every token / accessor is replaced by
// "hmac-sha256:" + hex(HMAC-SHA256(salt, value)). See README.md for the full list.
//
// Thread-safety: an EntryFormatter is immutable after construction; all methods are const
// and safe to call concurrently.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/status.h"
#include "core/audit.h"
#include "crypto/hash.h"

namespace coffer::audit {

enum class EntryFormat { kJson, kJsonx };

// The options every device shares (Vault's audit.BackendConfig formatter options).
struct FormatOptions {
  EntryFormat format = EntryFormat::kJson;
  std::string prefix;         // written before every entry
  bool log_raw = false;       // true: no hashing at all
  bool hmac_accessor = true;  // false: accessors are written as they are
  bool elide_list_responses = false;
};

// Reads format, prefix, log_raw, hmac_accessor, elide_list_responses from a device's
// options. InvalidArgument naming the option when a value is invalid; other options are
// ignored (they belong to the device).
Result<FormatOptions> ParseFormatOptions(const std::map<std::string, std::string>& options);

// Go's strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False. `option` names the
// option in the error.
Result<bool> ParseBoolOption(std::string_view option, std::string_view value);

// "hmac-sha256:" + lowercase hex of HMAC-SHA256(key=salt, message=value).
std::string HashString(const SecretBytes& salt, std::string_view value);

class EntryFormatter {
 public:
  // Keys an HMAC with the salt. InvalidArgument if `salt` is null or empty.
  static Result<EntryFormatter> Create(const FormatOptions& options, const SecretBytes* salt);

  // One complete line: prefix + entry + "\n".
  std::string FormatRequest(const core::AuditInput& in) const;
  std::string FormatResponse(const core::AuditInput& in) const;

  // HashString with this formatter's salt, whatever log_raw says (sys/audit-hash).
  std::string Hash(std::string_view value) const;

  const FormatOptions& options() const { return options_; }

 private:
  EntryFormatter(const FormatOptions& options, const SecretBytes& salt)
      : options_(options), mac_(std::make_shared<const crypto::HmacSha256Key>(salt.view())) {}

  std::string Format(const core::AuditInput& in, bool response_entry) const;

  FormatOptions options_;
  // The salt as a keyed HMAC (shared by copies of the formatter; immutable).
  std::shared_ptr<const crypto::HmacSha256Key> mac_;
};

}  // namespace coffer::audit
