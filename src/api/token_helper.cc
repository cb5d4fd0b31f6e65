#include "api/token_helper.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/secret_bytes.h"

namespace coffer::api {
namespace {

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Reads a whole file; NotFound when it does not exist.
Result<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Err(NotFound(path));
    return Err(IoError("error reading " + path + ": " + std::strerror(errno)));
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return Err(IoError("error reading " + path + ": " + std::strerror(e)));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

}  // namespace

TokenHelper::TokenHelper(std::string home_dir) : home_(std::move(home_dir)) {}

TokenHelper TokenHelper::FromEnvironment() {
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') return TokenHelper(home);
  struct passwd* pw = getpwuid(getuid());
  return TokenHelper(pw != nullptr && pw->pw_dir != nullptr ? pw->pw_dir : ".");
}

std::string TokenHelper::path() const { return home_ + "/.coffer-token"; }
std::string TokenHelper::fallback_path() const { return home_ + "/.vault-token"; }

Result<std::string> TokenHelper::Get() const {
  for (const std::string& p : {path(), fallback_path()}) {
    Result<std::string> contents = ReadFile(p);
    if (contents) {
      std::string token = Trim(*contents);
      WipeString(*contents);
      return token;
    }
    if (contents.error().code() != StatusCode::kNotFound) return Err(contents.error());
  }
  return std::string();
}

Status TokenHelper::Store(std::string_view token) const {
  std::string tmp = path() + ".tmp." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("error creating " + tmp + ": " + std::strerror(errno));
  // The umask cannot widen 0600, but an existing file keeps its mode: set it explicitly.
  bool ok = fchmod(fd, 0600) == 0;
  size_t written = 0;
  while (ok && written < token.size()) {
    ssize_t n = write(fd, token.data() + written, token.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  ok = ok && fsync(fd) == 0;
  int saved_errno = errno;
  close(fd);
  if (!ok || rename(tmp.c_str(), path().c_str()) != 0) {
    if (ok) saved_errno = errno;
    unlink(tmp.c_str());
    return IoError("error writing " + path() + ": " + std::strerror(saved_errno));
  }
  return Status::Ok();
}

Status TokenHelper::Erase() const {
  if (unlink(path().c_str()) != 0 && errno != ENOENT)
    return IoError("error removing " + path() + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace coffer::api
