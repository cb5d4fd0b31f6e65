#include "storage/raft/log.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace coffer::storage::raft {
namespace {

[[noreturn]] void Fatal(const char* what, uint64_t a, uint64_t b) {
  std::fprintf(stderr, "raft log invariant violated: %s (%llu, %llu)\n", what,
               static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
  std::abort();
}

}  // namespace

uint64_t MemoryStorage::Term(uint64_t index) const {
  if (index == 0 || index > entries_.size()) return 0;
  return entries_[index - 1].term;
}

std::vector<Entry> MemoryStorage::Entries(uint64_t lo, uint64_t hi) const {
  if (lo < 1 || hi > entries_.size() + 1 || lo > hi) Fatal("storage range", lo, hi);
  return std::vector<Entry>(entries_.begin() + (lo - 1), entries_.begin() + (hi - 1));
}

void MemoryStorage::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  uint64_t first = entries.front().index;
  if (first < 1 || first > entries_.size() + 1) Fatal("storage gap", first, entries_.size());
  entries_.resize(first - 1);
  entries_.insert(entries_.end(), entries.begin(), entries.end());
}

RaftLog::RaftLog(const LogStorage& storage, uint64_t applied)
    : storage_(storage),
      offset_(storage.LastIndex() + 1),
      committed_(std::min(storage.InitialHardState().commit, storage.LastIndex())),
      applied_(applied) {
  if (applied_ > committed_) Fatal("applied past the persisted commit", applied_, committed_);
}

uint64_t RaftLog::LastIndex() const {
  if (!unstable_.empty()) return unstable_.back().index;
  return storage_.LastIndex();
}

uint64_t RaftLog::Term(uint64_t index) const {
  if (index == 0 || index > LastIndex()) return 0;
  if (index >= offset_) return unstable_[index - offset_].term;
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
  if (lo < 1 || lo >= hi) return out;
  if (lo < offset_) out = storage_.Entries(lo, std::min(hi, offset_));
  for (uint64_t i = std::max(lo, offset_); i < hi; ++i) out.push_back(unstable_[i - offset_]);
  return out;
}

std::vector<Entry> RaftLog::NextCommittedEntries() const {
  return Slice(applied_ + 1, committed_ + 1, committed_ - applied_);
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
