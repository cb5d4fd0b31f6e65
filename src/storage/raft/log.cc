#include "storage/raft/log.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace coffer::storage::raft {
namespace {

[[noreturn]] void Fatal(const char* what, uint64_t a, uint64_t b) {
  std::fprintf(stderr, "raft log invariant violated: %s (%llu, %llu)\n", what,
               static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
  std::abort();
}

}  // namespace

uint64_t MemoryStorage::Term(uint64_t index) const {
  if (index == snapshot_.index) return snapshot_.term;
  if (index < snapshot_.index || index > LastIndex()) return 0;
  return entries_[index - snapshot_.index - 1].term;
}

std::vector<Entry> MemoryStorage::Entries(uint64_t lo, uint64_t hi) const {
  if (lo < FirstIndex() || hi > LastIndex() + 1 || lo > hi) Fatal("storage range", lo, hi);
  auto first = entries_.begin() + static_cast<std::ptrdiff_t>(lo - FirstIndex());
  return std::vector<Entry>(first, first + static_cast<std::ptrdiff_t>(hi - lo));
}

void MemoryStorage::Append(const std::vector<Entry>& entries) {
  auto from = entries.begin();
  while (from != entries.end() && from->index <= snapshot_.index) ++from;
  if (from == entries.end()) return;
  uint64_t first = from->index;
  if (first > LastIndex() + 1) Fatal("storage gap", first, LastIndex());
  entries_.resize(first - FirstIndex());
  entries_.insert(entries_.end(), from, entries.end());
}

Status MemoryStorage::Compact(uint64_t index) {
  if (index > LastIndex()) {
    return PreconditionFailed("raft storage: compact past the last index " +
                              std::to_string(LastIndex()));
  }
  if (index <= snapshot_.index) return Status::Ok();
  uint64_t term = Term(index);
  entries_.erase(entries_.begin(),
                 entries_.begin() + static_cast<std::ptrdiff_t>(index - snapshot_.index));
  snapshot_ = SnapshotMeta{index, term, {}};
  return Status::Ok();
}

Status MemoryStorage::ApplySnapshot(const SnapshotMeta& meta) {
  if (meta.index < snapshot_.index) {
    return PreconditionFailed("raft storage: snapshot " + std::to_string(meta.index) +
                              " is older than " + std::to_string(snapshot_.index));
  }
  entries_.clear();
  snapshot_ = meta;
  return Status::Ok();
}

RaftLog::RaftLog(const LogStorage& storage, uint64_t applied)
    : storage_(storage),
      offset_(storage.LastIndex() + 1),
      committed_(std::max(std::min(storage.InitialHardState().commit, storage.LastIndex()),
                          storage.Snapshot().index)),
      applied_(applied) {
  if (applied_ > committed_) Fatal("applied past the persisted commit", applied_, committed_);
  // Entries up to the snapshot point are gone: the state machine must hold them.
  if (applied_ < storage.Snapshot().index) {
    Fatal("applied below the snapshot point", applied_, storage.Snapshot().index);
  }
}

uint64_t RaftLog::LastIndex() const {
  if (!unstable_.empty()) return unstable_.back().index;
  if (snapshot_) return snapshot_->index;
  return storage_.LastIndex();
}

uint64_t RaftLog::FirstIndex() const { return SnapshotPoint().index + 1; }

SnapshotMeta RaftLog::SnapshotPoint() const { return snapshot_ ? *snapshot_ : storage_.Snapshot(); }

uint64_t RaftLog::Term(uint64_t index) const {
  if (index == 0 || index > LastIndex()) return 0;
  if (index >= offset_) return unstable_[index - offset_].term;
  if (snapshot_) return index == snapshot_->index ? snapshot_->term : 0;
  if (index + 1 < storage_.FirstIndex()) return 0;  // compacted
  return storage_.Term(index);
}

bool RaftLog::MatchTerm(uint64_t index, uint64_t term) const {
  if (index > LastIndex()) return false;
  return Term(index) == term;
}

bool RaftLog::IsUpToDate(uint64_t last_index, uint64_t last_term) const {
  uint64_t my_term = LastTerm();
  return last_term > my_term || (last_term == my_term && last_index >= LastIndex());
}

bool RaftLog::MaybeAppend(uint64_t index, uint64_t log_term, uint64_t commit,
                          const std::vector<Entry>& entries, uint64_t* last_new) {
  if (!MatchTerm(index, log_term)) return false;
  *last_new = index + entries.size();
  // The first entry whose term differs from ours (or that we lack) starts the new tail.
  size_t i = 0;
  while (i < entries.size() && MatchTerm(entries[i].index, entries[i].term)) ++i;
  if (i < entries.size()) {
    if (entries[i].index <= committed_)
      Fatal("conflict with committed", entries[i].index, committed_);
    Append(std::vector<Entry>(entries.begin() + i, entries.end()));
  }
  CommitTo(std::min(commit, *last_new));
  return true;
}

void RaftLog::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  uint64_t after = entries.front().index;
  if (after <= committed_) Fatal("append below commit", after, committed_);
  if (after > LastIndex() + 1) Fatal("append gap", after, LastIndex());
  if (after == offset_ + unstable_.size()) {
    // Directly follows the unstable tail.
  } else if (after <= offset_) {
    // Replaces all unstable entries and part of the stable log; the driver truncates the
    // stable log when it persists these entries.
    offset_ = after;
    unstable_.clear();
  } else {
    unstable_.resize(after - offset_);
  }
  unstable_.insert(unstable_.end(), entries.begin(), entries.end());
}

bool RaftLog::MaybeCommit(uint64_t max_index, uint64_t term) {
  if (max_index > committed_ && Term(max_index) == term) {
    committed_ = max_index;
    return true;
  }
  return false;
}

void RaftLog::CommitTo(uint64_t commit) {
  commit = std::min(commit, LastIndex());
  if (commit > committed_) committed_ = commit;
}

std::vector<Entry> RaftLog::Slice(uint64_t lo, uint64_t hi, size_t max_count) const {
  std::vector<Entry> out;
  hi = std::min({hi, LastIndex() + 1, lo + max_count});
  if (lo >= hi) return out;
  if (lo < FirstIndex()) Fatal("slice below the first index", lo, FirstIndex());
  if (lo < offset_) out = storage_.Entries(lo, std::min(hi, offset_));
  for (uint64_t i = std::max(lo, offset_); i < hi; ++i) out.push_back(unstable_[i - offset_]);
  return out;
}

std::vector<Entry> RaftLog::NextCommittedEntries() const {
  if (!HasNextCommittedEntries()) return {};
  return Slice(applied_ + 1, committed_ + 1, committed_ - applied_);
}

void RaftLog::Restore(const SnapshotMeta& meta) {
  if (meta.index <= committed_) Fatal("restore below commit", meta.index, committed_);
  snapshot_ = meta;
  unstable_.clear();
  offset_ = meta.index + 1;
  committed_ = meta.index;
}

void RaftLog::StableSnapshotTo(uint64_t index) {
  if (!snapshot_ || snapshot_->index != index) return;  // replaced since the Ready
  snapshot_.reset();
  applied_ = std::max(applied_, index);
}

void RaftLog::StableTo(uint64_t index, uint64_t term) {
  if (index < offset_ || index >= offset_ + unstable_.size()) return;
  if (unstable_[index - offset_].term != term) return;  // overwritten since the Ready
  unstable_.erase(unstable_.begin(), unstable_.begin() + (index - offset_ + 1));
  offset_ = index + 1;
}

void RaftLog::AppliedTo(uint64_t index) {
  if (index > committed_ || index < applied_) Fatal("applied out of range", index, committed_);
  applied_ = index;
}

}  // namespace coffer::storage::raft
