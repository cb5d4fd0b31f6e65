#include "crypto/openssl_util.h"

#include <openssl/err.h>

namespace coffer::crypto::internal {

std::string TakeOpenSslErrors(const std::string& fallback) {
  std::string out;
  unsigned long err;
  while ((err = ERR_get_error()) != 0) {
    const char* reason = ERR_reason_error_string(err);
    std::string text;
    if (reason != nullptr) {
      text = reason;
    } else {
      char buf[256];
      ERR_error_string_n(err, buf, sizeof(buf));
      text = buf;
    }
    // The same reason is often queued by several layers; say it once.
    if (out.find(text) != std::string::npos) continue;
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? fallback : out;
}

}  // namespace coffer::crypto::internal
