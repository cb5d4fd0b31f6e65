#include "audit/file/file_device.h"

#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "audit/device.h"
#include "audit/net.h"
#include "base/json.h"

namespace coffer::audit {
namespace {

enum class Sink { kFile, kStdout, kDiscard };

Result<mode_t> ParseMode(const std::string& text) {
  if (text.empty() || text.size() > 4 || text.find_first_not_of("01234567") != std::string::npos) {
    return Err(
        InvalidArgument("mode: \"" + text + "\" is not an octal file mode such as \"0600\""));
  }
  return static_cast<mode_t>(std::stoul(text, nullptr, 8));
}

class FileDevice final : public LineDevice {
 public:
  FileDevice(const core::AuditDeviceConfig& config, EntryFormatter formatter, Sink sink,
             std::string file_path, mode_t mode)
      : LineDevice(config, std::move(formatter)),
        sink_(sink),
        file_path_(std::move(file_path)),
        mode_(mode) {}

  // Opens the file; the device is not usable (not enabled) if this fails.
  Status Open() {
    std::lock_guard<std::mutex> lock(mu_);
    return OpenLocked();
  }

  Status Reload() override {
    if (sink_ != Sink::kFile) return Status::Ok();
    std::lock_guard<std::mutex> lock(mu_);
    fd_.Reset();
    return OpenLocked();
  }

 protected:
  Status WriteLine(std::string_view line) override {
    if (sink_ == Sink::kDiscard) return Status::Ok();
    std::lock_guard<std::mutex> lock(mu_);
    if (sink_ == Sink::kStdout) return WriteAll(STDOUT_FILENO, line);
    if (!fd_.valid()) COFFER_RETURN_IF_ERROR(OpenLocked());
    if (WriteAll(fd_.get(), line).ok()) return Status::Ok();
    // As Vault: reopen the file once and write the entry again.
    fd_.Reset();
    COFFER_RETURN_IF_ERROR(OpenLocked());
    return WriteAll(fd_.get(), line);
  }

 private:
  // One write(2) of the whole line, continued after a short write.
  Status WriteAll(int fd, std::string_view line) const {
    while (!line.empty()) {
      ssize_t n = ::write(fd, line.data(), line.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return IoError("write to audit file " + file_path_ + ": " + std::strerror(errno));
      }
      if (n == 0) return IoError("write to audit file " + file_path_ + ": wrote nothing");
      line.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

  Status OpenLocked() {
    if (sink_ != Sink::kFile) return Status::Ok();
    // Vault creates missing parent folders (with the file's mode; 0700 here, so that the
    // folder can be entered).
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(file_path_).parent_path();
    if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
      std::filesystem::create_directories(parent, ec);
      if (ec) return IoError("create folder for audit file " + file_path_ + ": " + ec.message());
      std::filesystem::permissions(parent, std::filesystem::perms::owner_all, ec);
    }
    mode_t create_mode = mode_ != 0 ? mode_ : 0600;
    UniqueFd fd(::open(file_path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, create_mode));
    if (!fd.valid()) {
      return IoError("open audit file " + file_path_ + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) {
      return IoError("stat audit file " + file_path_ + ": " + std::strerror(errno));
    }
    // A regular file, or a character device such as /dev/null; not a FIFO or socket.
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
      return IoError("open audit file " + file_path_ + ": not a regular file");
    }
    if (mode_ != 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) != mode_ &&
        fchmod(fd.get(), mode_) != 0) {
      return IoError("chmod audit file " + file_path_ + ": " + std::strerror(errno));
    }
    fd_ = std::move(fd);
    return Status::Ok();
  }

  const Sink sink_;
  const std::string file_path_;
  const mode_t mode_;  // 0: leave the file's mode as it is
  std::mutex mu_;
  UniqueFd fd_;  // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<core::AuditDevice>> NewFileDevice(const core::AuditDeviceConfig& config) {
  std::string path = TrimSpace(OptionOr(config, "file_path", OptionOr(config, "path", "")));
  if (path.empty()) return Err(InvalidArgument("\"file_path\" is required"));
  if (strcasecmp(path.c_str(), "stdout") == 0) path = "stdout";
  if (strcasecmp(path.c_str(), "discard") == 0) path = "discard";
  COFFER_ASSIGN_OR_RETURN(mode_t mode, ParseMode(OptionOr(config, "mode", "0600")));
  COFFER_ASSIGN_OR_RETURN(EntryFormatter formatter, MakeFormatter(config));
  Sink sink = path == "stdout" ? Sink::kStdout : path == "discard" ? Sink::kDiscard : Sink::kFile;
  auto device = std::make_unique<FileDevice>(config, std::move(formatter), sink, path, mode);
  COFFER_RETURN_IF_ERROR(device->Open());
  return std::unique_ptr<core::AuditDevice>(std::move(device));
}

}  // namespace coffer::audit
