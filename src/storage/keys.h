#pragma once
// Helpers shared by the physical backends: the key contract of backend.h and the List
// algorithm's two steps (what a key contributes, where the next sibling starts).

#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/backend.h"

namespace coffer::storage {

// Ok for a non-empty key of at most kMaxKeySize bytes, InvalidArgument otherwise.
Status ValidateKey(std::string_view key);

// ValidateKey for every op's key; the first failure names the op's index.
Status ValidateOps(std::span<const Op> ops);

// The List entry that `key` (which starts with `prefix`) contributes: "name" for
// prefix+"name", "name/" for prefix+"name/...", and "" for the key equal to `prefix`.
std::string_view ListEntry(std::string_view prefix, std::string_view key);

// The smallest key that sorts after every key starting with `folder` (which ends in '/'):
// `folder` with its '/' replaced by '0', the next byte. A List seeks here to skip a folder.
std::string PastFolder(std::string_view folder);

}  // namespace coffer::storage
