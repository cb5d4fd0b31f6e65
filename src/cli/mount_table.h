#pragma once
// Tables for `secrets list` and `auth list`, from the sys/mounts or sys/auth response.

#include <string>

#include "base/json.h"

namespace coffer::cli {

// The mount map from a sys/mounts or sys/auth reply: "data" when present, else the body
// without the standard response fields.
Json MountsOf(const Json& body);

// "Path Type Accessor Description" (+ "Version" for auth), or Vault's -detailed columns.
std::string MountsTable(const Json& mounts, bool detailed, bool auth);

}  // namespace coffer::cli
