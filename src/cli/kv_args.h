#pragma once
// Parsing of key=value arguments as Vault's kv-builder does it (vault write/read/kv put):
//   k=v        a string value          k=@file   the file's contents
//   k=-        all of stdin            k=\@v     the literal "@v"
//   -          a JSON object read from stdin (or whitespace-separated k=v pairs), merged
//   @file      a JSON object read from the file, merged
// A key given more than once becomes a list of its values. Stdin can be consumed once.

#include <istream>
#include <string>
#include <vector>

#include "api/client.h"
#include "base/json.h"

namespace coffer::cli {

// A JSON object of the parsed arguments.
Result<Json> ParseArgsData(std::istream* in, const std::vector<std::string>& args);

// The same arguments as query parameters: lists expand to repeated keys.
Result<api::QueryParams> ParseArgsQuery(std::istream* in, const std::vector<std::string>& args);

}  // namespace coffer::cli
