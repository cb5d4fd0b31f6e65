#include "storage/keys.h"

#include <string>

namespace coffer::storage {

Status ValidateKey(std::string_view key) {
  if (key.empty()) return InvalidArgument("storage: empty key");
  if (key.size() > kMaxKeySize) {
    return InvalidArgument("storage: key is " + std::to_string(key.size()) +
                           " bytes, longer than the maximum of " + std::to_string(kMaxKeySize));
  }
  return Status::Ok();
}

Status ValidateOps(std::span<const Op> ops) {
  for (size_t i = 0; i < ops.size(); ++i) {
    Status st = ValidateKey(ops[i].key);
    if (!st.ok()) {
      return InvalidArgument("batch op " + std::to_string(i) + ": " + st.message());
    }
  }
  return Status::Ok();
}

std::string_view ListEntry(std::string_view prefix, std::string_view key) {
  std::string_view rest = key.substr(prefix.size());
  size_t slash = rest.find('/');
  return slash == std::string_view::npos ? rest : rest.substr(0, slash + 1);
}

std::string PastFolder(std::string_view folder) {
  std::string next(folder);
  next.back() = '0';  // '/' + 1
  return next;
}

}  // namespace coffer::storage
