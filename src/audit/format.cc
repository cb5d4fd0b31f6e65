#include "audit/format.h"

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
  return EntryFormatter(options, salt->Clone());
}

std::string EntryFormatter::Serialize(const Json& entry) const {
  std::string line = options_.prefix;
  if (options_.format == EntryFormat::kJsonx) {
    line += internal::ToJsonx(entry);
  } else {
    // Vault writes "time" first (for log shippers that read the timestamp), then the other
    // members in name order. Invalid UTF-8 in a value is replaced rather than failing the
    // request's audit.
    Json rest = entry;
    Json time = rest["time"];
    rest.erase("time");
    std::string body = rest.dump(-1, ' ', false, Json::error_handler_t::replace);
    line += "{\"time\":" + time.dump();
    line += body.size() > 2 ? "," + body.substr(1) : std::string("}");
  }
  line += '\n';
  return line;
}

std::string EntryFormatter::FormatRequest(const core::AuditInput& in) const {
  internal::Hasher hash = [this](const std::string& v) {
    return options_.log_raw ? v : HashString(salt_, v);
  };
  return Serialize(internal::BuildEntry(in, /*response_entry=*/false, options_, hash));
}

std::string EntryFormatter::FormatResponse(const core::AuditInput& in) const {
  internal::Hasher hash = [this](const std::string& v) {
    return options_.log_raw ? v : HashString(salt_, v);
  };
  return Serialize(internal::BuildEntry(in, /*response_entry=*/true, options_, hash));
}

}  // namespace coffer::audit
