#pragma once
// Io: the streams a command reads and writes, injected so tests can drive commands without
// a terminal. Output for the user goes to `out`; errors, warnings and prompts to `err`, as
// Vault's cli.Ui does.

#include <iosfwd>
#include <string>
#include <string_view>

#include "base/status.h"

namespace coffer::cli {

struct Io {
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  bool stdin_is_tty = false;   // prompts hide input only on a terminal
  bool stdout_is_tty = false;  // -field adds a trailing newline only on a terminal
  bool interactive = true;     // false: never prompt (-non-interactive)
};

// Prints prompt on err and reads one line from in, without echo when stdin is a terminal.
// The trailing newline is removed.
Result<std::string> ReadSecretLine(Io& io, std::string_view prompt);

// All of a stream, or of a file.
std::string ReadAll(std::istream& in);
Result<std::string> ReadFileContents(const std::string& path);

}  // namespace coffer::cli
