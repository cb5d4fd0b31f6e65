#pragma once
// Internal to config/: typed reads of one object of a parsed file (the top level or a block
// body), with errors that carry "<file>:<line>: <context>: <key>: ...", and the shapes a
// block can take in HCL and JSON.

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "hcl/hcl.h"

#define CONFIG_RETURN_IF_ERROR(expr) \
  do {                               \
    ::coffer::Status _st = (expr);   \
    if (!_st.ok()) return _st;       \
  } while (0)

// COFFER_ASSIGN_OR_RETURN for functions that return Status.
#define CONFIG_ASSIGN_OR_RETURN(lhs, expr)                                                         \
  auto COFFER_CONCAT(_cres_, __LINE__) = (expr);                                                   \
  if (!COFFER_CONCAT(_cres_, __LINE__)) return std::move(COFFER_CONCAT(_cres_, __LINE__).error()); \
  lhs = std::move(*COFFER_CONCAT(_cres_, __LINE__))

namespace coffer::config::internal {

// One parsed file.
struct SourceFile {
  std::string name;
  hcl::Document doc;

  // "file:line" of the value at `pointer` (or of its closest ancestor).
  std::string Location(const std::string& pointer) const;
};

// One object in a file, read key by key. Every read marks the key as known, so Finish can
// reject whatever was not read. A missing key leaves *out untouched. The first failure is
// kept (later reads do nothing) and returned by Finish, so a block reads as a flat list.
class Section {
 public:
  // `context` prefixes messages: "" at the top level, `listener "tcp"` in a block.
  Section(const SourceFile& file, const Json& object, std::string pointer, std::string context);

  void String(std::string_view key, std::string* out);
  void Bool(std::string_view key, bool* out);
  void Int(std::string_view key, int64_t* out);
  void Duration(std::string_view key, std::chrono::seconds* out);
  void StringList(std::string_view key, std::vector<std::string>* out);
  // Marks the key known and returns its value, or nullptr when absent.
  const Json* Take(std::string_view key);
  // Marks every key starting with `prefix` as known (circonus_*, stackdriver_*).
  void AcceptPrefix(std::string_view prefix);

  // Records `st` unless a failure is already recorded.
  void Fail(Status st);
  // Records KeyError(key, *message) when `message` is set.
  void Check(std::string_view key, const std::optional<std::string>& message);
  bool ok() const { return status_.ok(); }

  // The first recorded failure, else an error for the first key (in file order) that no
  // read asked for, else Ok.
  Status Finish() const;

  // "<file>:<line of key>: <context>: <key>: <message>".
  Status KeyError(std::string_view key, std::string_view message) const;
  // "<file>:<line of this object>: <context>: <message>".
  Status Error(std::string_view message) const;

  const SourceFile& file() const { return file_; }
  const Json& object() const { return object_; }
  const std::string& context() const { return context_; }
  // `context: sub` (or `sub` at the top level), for nested blocks.
  std::string SubContext(std::string_view sub) const;
  std::string Location() const { return file_.Location(pointer_); }
  std::string KeyPointer(std::string_view key) const;

 private:
  const SourceFile& file_;
  const Json& object_;
  std::string pointer_;
  std::string context_;
  std::set<std::string, std::less<>> known_;
  Status status_;
};

// One block occurrence.
struct Block {
  std::string label;  // the type label ("tcp", "raft"); empty for unlabelled blocks
  const Json* body;   // an object
  std::string pointer;
};

// Blocks `name "label" { ... }` in `parent`. HCL gives [{"label": {...}}, ...]; JSON may
// also give {"label": {...}} or {"label": [{...}, ...]}. Marks `name` known.
Result<std::vector<Block>> LabeledBlocks(Section& parent, std::string_view name);

// Blocks `name { ... }`: [{...}, ...] from HCL, an object or an array of objects in JSON.
Result<std::vector<Block>> UnlabeledBlocks(Section& parent, std::string_view name);

// At most one `name { ... }` block; nullopt when absent.
Result<std::optional<Block>> SingleBlock(Section& parent, std::string_view name);

// A JSON value in messages: strings quoted, anything else as compact JSON.
std::string Show(const Json& v);

}  // namespace coffer::config::internal
