#pragma once
// FlagSet: command-line flags with the conventions of Go's flag package as Vault uses it.
//   -flag and --flag are the same; values as -flag=value or -flag value; a bool flag takes
//   no separate value (-flag, -flag=false). Parsing stops at the first argument that is not
//   a flag, or after "--"; "-" alone is a positional argument. Flags given after positional
//   arguments are left as arguments and reported by trailing_flag_warning(), as Vault does.
// Targets are owned by the caller and must outlive the FlagSet.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace coffer::cli {

class FlagSet {
 public:
  // Flags registered after this call are listed under `name` in Help().
  void Section(std::string name) { section_ = std::move(name); }

  void String(std::string name, std::string* target, std::string usage);
  void Bool(std::string name, bool* target, std::string usage);
  // Unset stays std::nullopt, so "not given" and "given as false" differ.
  void OptionalBool(std::string name, std::optional<bool>* target, std::string usage);
  void Int(std::string name, int64_t* target, std::string usage);
  // Vault durations: "30m", "1h30m", or a bare number of seconds.
  void Duration(std::string name, std::optional<std::chrono::seconds>* target, std::string usage);
  // Repeatable; each value is also split on commas.
  void StringSlice(std::string name, std::vector<std::string>* target, std::string usage);
  // Repeatable key=value pairs.
  void StringMap(std::string name, std::map<std::string, std::string>* target, std::string usage);
  // Another name for an existing flag (e.g. "ns" for "namespace").
  void Alias(std::string alias, const std::string& name);

  // Parses args. Errors read like Go's: "flag provided but not defined: -foo".
  Status Parse(const std::vector<std::string>& args);
  // The positional arguments left after the flags.
  const std::vector<std::string>& args() const { return args_; }
  // True when the flag (by canonical name) appeared on the command line.
  bool IsSet(std::string_view name) const;
  // Non-empty when flag-like arguments followed a positional argument.
  std::string trailing_flag_warning() const;

  // The flag reference, grouped by section, as Vault prints it under a command's help.
  std::string Help() const;

 private:
  struct Flag {
    std::string name;
    std::string section;
    std::string usage;
    std::string hint;  // "string", "int", "duration", "key=value"; empty for bools
    bool is_bool = false;
    std::function<Status(std::string_view)> set;
  };
  void Add(Flag flag);
  Flag* Lookup(std::string_view name);

  std::string section_ = "Command Options";
  std::vector<Flag> flags_;
  std::map<std::string, std::string, std::less<>> aliases_;
  std::vector<std::string> set_;
  std::vector<std::string> args_;
};

}  // namespace coffer::cli
