#pragma once
// framework::Backend — a core::Backend declared as a list of paths, as Vault's
// sdk/framework: each Path has a pattern (Go-style regex with (?P<name>...) groups,
// anchored), typed fields, one handler per operation and an optional existence check.
//
// Dispatch: the first path whose pattern matches req.path wins. Captured groups become
// fields (overriding body fields of the same name). No match → 404 "unsupported path";
// operation not declared → 405 "unsupported operation". A create with no create handler
// uses the update handler, and vice versa, as Vault's framework does.

#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "core/backend.h"
#include "framework/field_data.h"

namespace coffer::framework {

using OperationFunc = std::function<Result<core::Response>(core::Request&, FieldData&)>;
using ExistenceFunc = std::function<Result<bool>(core::Request&, FieldData&)>;

struct Path {
  std::string pattern;
  FieldSchemas fields;
  std::map<core::Operation, OperationFunc> operations;
  ExistenceFunc existence_check;  // optional
  std::string help_synopsis;
  std::string help_description;
};

// Pattern helpers (Vault's framework.GenericNameRegex etc.).
std::string GenericNameRegex(const std::string& name);  // (?P<name>\w(([\w-.]+)?\w)?)
std::string OptionalTrailingSlash();                    // /?
std::string MatchAllRegex(const std::string& name);     // (?P<name>.*)

// Wraps a backend's handler method as a framework::OperationFunc / ExistenceFunc.
template <class B, class R>
auto Bind(B* backend, R (B::*method)(core::Request&, FieldData&)) {
  return [backend, method](core::Request& req, FieldData& d) { return (backend->*method)(req, d); };
}

class Backend : public core::Backend {
 public:
  Backend() = default;

  // Registers paths; call before serving. Patterns that fail to compile are a bug and
  // are reported by Initialize().
  void AddPaths(std::vector<Path> paths);
  void SetSpecialPaths(core::SpecialPaths sp) { special_ = std::move(sp); }
  void SetKind(core::BackendKind k) { kind_ = k; }

  Result<core::Response> HandleRequest(core::Request& req) override;
  Result<Existence> ExistenceCheck(core::Request& req) override;
  core::SpecialPaths GetSpecialPaths() const override { return special_; }
  core::BackendKind Kind() const override { return kind_; }
  Status Initialize() override { return init_status_; }

 private:
  struct CompiledPath {
    Path path;
    std::regex re;
    std::vector<std::string> group_names;  // by capture index (1-based → [i-1]); "" unnamed
  };
  // The matching path and the request fields (body + captures), or nullptr.
  const CompiledPath* Match(const std::string& path, Json* fields) const;

  std::vector<std::unique_ptr<CompiledPath>> paths_;
  core::SpecialPaths special_;
  core::BackendKind kind_ = core::BackendKind::kLogical;
  Status init_status_;
};

// Exposed for tests: converts a Go regex with (?P<name>...) to ECMAScript and returns
// the capture group names in order ("" for unnamed groups).
std::string ConvertGoRegex(const std::string& go, std::vector<std::string>* names);

}  // namespace coffer::framework
