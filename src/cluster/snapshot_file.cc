#include "cluster/snapshot_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace coffer::cluster {

namespace {

std::atomic<uint64_t> g_sequence{0};

Status Errno(const std::string& what, const std::string& path) {
  return IoError("cluster: " + what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<SnapshotFile>> SnapshotFile::Create(const std::string& dir, uint64_t from,
                                                           uint64_t term, uint64_t index) {
  if (dir.empty()) return Err(Unavailable("cluster: no snapshot directory configured"));
  std::string base = dir + "/snap-" + std::to_string(from) + "-" + std::to_string(term) + "-" +
                     std::to_string(index) + "-" + std::to_string(getpid()) + "-" +
                     std::to_string(++g_sequence);
  std::string part = base + ".part";
  int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Err(Errno("create", part));
  return std::unique_ptr<SnapshotFile>(new SnapshotFile(dir, part, base + ".snap", fd));
}

SnapshotFile::~SnapshotFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!finished_) ::unlink(part_.c_str());
}

Status SnapshotFile::Write(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", part_);
    }
    data.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Result<std::string> SnapshotFile::Finish() {
  if (::fsync(fd_) != 0) return Err(Errno("fsync", part_));
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Err(Errno("close", part_));
  if (::rename(part_.c_str(), final_.c_str()) != 0) return Err(Errno("rename", part_));
  finished_ = true;
  int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Err(Errno("open", dir_));
  int rc = ::fsync(dfd);
  ::close(dfd);
  if (rc != 0) {
    ::unlink(final_.c_str());
    return Err(Errno("fsync", dir_));
  }
  return final_;
}

}  // namespace coffer::cluster
