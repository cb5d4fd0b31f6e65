#include "audit/format.h"

#include <openssl/crypto.h>

#include <utility>
#include <vector>

#include "audit/entry.h"
#include "crypto/hash.h"

namespace coffer::audit {

Result<bool> ParseBoolOption(std::string_view option, std::string_view value) {
  if (value == "1" || value == "t" || value == "T" || value == "TRUE" || value == "true" ||
      value == "True") {
    return true;
  }
  if (value == "0" || value == "f" || value == "F" || value == "FALSE" || value == "false" ||
      value == "False") {
    return false;
  }
  return Err(InvalidArgument("unable to parse '" + std::string(option) + "': \"" +
                             std::string(value) + "\" is not a boolean"));
}

Result<FormatOptions> ParseFormatOptions(const std::map<std::string, std::string>& options) {
  FormatOptions out;
  auto get = [&](const char* key) -> const std::string* {
    auto it = options.find(key);
    return it == options.end() ? nullptr : &it->second;
  };
  if (const std::string* f = get("format")) {
    if (*f == "json" || f->empty()) {
      out.format = EntryFormat::kJson;
    } else if (*f == "jsonx") {
      out.format = EntryFormat::kJsonx;
    } else {
      return Err(InvalidArgument("format: unknown format type \"" + *f +
                                 "\" (expected \"json\" or \"jsonx\")"));
    }
  }
  if (const std::string* p = get("prefix")) out.prefix = *p;
  struct BoolOption {
    const char* name;
    bool* field;
  };
  for (BoolOption b :
       {BoolOption{"log_raw", &out.log_raw}, BoolOption{"hmac_accessor", &out.hmac_accessor},
        BoolOption{"elide_list_responses", &out.elide_list_responses}}) {
    if (const std::string* v = get(b.name)) {
      COFFER_ASSIGN_OR_RETURN(*b.field, ParseBoolOption(b.name, *v));
    }
  }
  return out;
}

std::string HashString(const SecretBytes& salt, std::string_view value) {
  return "hmac-sha256:" + crypto::HexEncode(crypto::HmacSha256(salt.view(), value));
}

Result<EntryFormatter> EntryFormatter::Create(const FormatOptions& options,
                                              const SecretBytes* salt) {
  if (salt == nullptr || salt->empty()) {
    return Err(InvalidArgument("audit device has no salt"));
  }
  return EntryFormatter(options, *salt);
}

std::string EntryFormatter::Hash(std::string_view value) const {
  return "hmac-sha256:" + crypto::HexEncode(mac_->Mac(value));
}

namespace {

// Hashes already computed for the request being audited on this thread. A request's entry
// and its response entry are formatted on the same worker thread, one after the other, and
// hash the same token and accessor (twice each): the response entry reuses the request
// entry's hashes. Keyed by formatter and request id; plaintexts are wiped when the
// response entry is done or another request starts.
struct HashMemo {
  const void* formatter = nullptr;
  std::string request_id;
  std::vector<std::pair<std::string, std::string>> entries;

  void Clear() {
    for (auto& [plain, hashed] : entries) OPENSSL_cleanse(plain.data(), plain.size());
    entries.clear();
    formatter = nullptr;
    request_id.clear();
  }
  ~HashMemo() { Clear(); }
};

HashMemo& ThreadMemo(const void* formatter, const std::string& request_id) {
  thread_local HashMemo memo;
  if (memo.formatter != formatter || memo.request_id != request_id || request_id.empty()) {
    memo.Clear();
    memo.formatter = formatter;
    memo.request_id = request_id;
  }
  return memo;
}

}  // namespace

std::string EntryFormatter::Format(const core::AuditInput& in, bool response_entry) const {
  HashMemo& memo = ThreadMemo(this, in.request->id);
  internal::Hasher hash = [this, &memo](const std::string& v) -> std::string {
    if (options_.log_raw) return v;
    constexpr size_t kMemoMax = 128;  // tokens and accessors; not large secret values
    if (v.size() > kMemoMax) return Hash(v);
    for (const auto& [plain, hashed] : memo.entries)
      if (plain == v) return hashed;
    memo.entries.emplace_back(v, Hash(v));
    return memo.entries.back().second;
  };
  std::string line;
  line.reserve(1024);
  line = options_.prefix;
  if (options_.format == EntryFormat::kJsonx) {
    // jsonx is rare: the JSON entry parsed back and rendered as Vault's XML form.
    std::string json;
    internal::WriteEntry(json, in, response_entry, options_, hash);
    // The writer's output is always valid JSON (invalid UTF-8 is replaced as it is written).
    line += internal::ToJsonx(Json::parse(json, nullptr, /*allow_exceptions=*/false));
  } else {
    internal::WriteEntry(line, in, response_entry, options_, hash);
  }
  line += '\n';
  if (response_entry) memo.Clear();
  return line;
}

std::string EntryFormatter::FormatRequest(const core::AuditInput& in) const {
  return Format(in, /*response_entry=*/false);
}

std::string EntryFormatter::FormatResponse(const core::AuditInput& in) const {
  return Format(in, /*response_entry=*/true);
}

}  // namespace coffer::audit
