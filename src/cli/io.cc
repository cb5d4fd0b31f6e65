#include "cli/io.h"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace coffer::cli {

Result<std::string> ReadSecretLine(Io& io, std::string_view prompt) {
  if (!io.interactive) return Err(InvalidArgument("input required but -non-interactive is set"));
  *io.err << prompt << std::flush;
  termios saved{};
  bool restore = false;
  if (io.stdin_is_tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  std::string line;
  bool ok = static_cast<bool>(std::getline(*io.in, line));
  if (restore) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    *io.err << "\n";
  }
  if (!ok && line.empty()) return Err(InvalidArgument("no input was given on stdin (EOF)"));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string ReadAll(std::istream& in) {
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::string> ReadFileContents(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Err(IoError("error reading file: open " + path + ": " + std::strerror(errno)));
  return ReadAll(f);
}

}  // namespace coffer::cli
