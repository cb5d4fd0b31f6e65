#pragma once
// A synchronous test network for the Raft core (tests only): Deliver() drains every
// node's Ready as a driver would (persist, install snapshots, apply entries and
// membership changes, collect read states) and delivers messages until quiet; messages
// on cut links or of dropped types are lost.

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "storage/raft/raft.h"

namespace coffer::storage::raft {

inline Config ThreeNodeConfig(const MemoryStorage& storage) {
  Config c;
  c.id = 1;
  c.peers = {1, 2, 3};
  c.storage = &storage;
  return c;
}

inline Message Msg(MessageType type, uint64_t from, uint64_t term, uint64_t index) {
  Message m;
  m.type = type;
  m.from = from;
  m.to = 1;
  m.term = term;
  m.index = index;
  return m;
}

// Handles one Ready as a driver would (without applying anything) and returns it.
inline Ready Flush(Raft& r, MemoryStorage& storage) {
  Ready rd = r.GetReady();
  if (rd.snapshot) {
    EXPECT_TRUE(storage.ApplySnapshot(*rd.snapshot).ok());
  }
  storage.Append(rd.entries);
  if (rd.hard_state) storage.SetHardState(*rd.hard_state);
  r.Advance(rd);
  return rd;
}

class Network {
 public:
  // Nodes `voters` and `learners` form the cluster, bootstrapped as etcd does: their logs
  // start with committed kConfigChange entries adding each of them (so a node added
  // later learns the whole membership from the log). `others` start empty, with no
  // membership. `tweak` adjusts every node's Config.
  Network(std::vector<uint64_t> voters, std::vector<uint64_t> learners,
          std::vector<uint64_t> others, const std::function<void(Config&)>& tweak = {}) {
    std::vector<Entry> bootstrap;
    for (uint64_t id : voters) bootstrap.push_back(BootstrapEntry(ConfChangeType::kAddVoter, id));
    for (uint64_t id : learners) {
      bootstrap.push_back(BootstrapEntry(ConfChangeType::kAddLearner, id));
    }
    for (size_t i = 0; i < bootstrap.size(); ++i) bootstrap[i].index = i + 1;
    std::vector<uint64_t> all = voters;
    all.insert(all.end(), learners.begin(), learners.end());
    all.insert(all.end(), others.begin(), others.end());
    for (uint64_t id : all) {
      bool member = std::find(others.begin(), others.end(), id) == others.end();
      Add(id, member ? bootstrap : std::vector<Entry>{}, tweak);
    }
    Deliver();  // applies the bootstrap entries
  }
  // `n` voters given through Config::peers (the membership at index 0), empty logs.
  Network(int n, bool pre_vote, bool check_quorum) {
    for (uint64_t id : Ids(n)) {
      Add(id, {}, [&](Config& c) {
        c.peers = Ids(n);
        c.pre_vote = pre_vote;
        c.check_quorum = check_quorum;
      });
    }
  }

  static std::vector<uint64_t> Ids(int n) {
    std::vector<uint64_t> ids;
    for (int i = 1; i <= n; ++i) ids.push_back(i);
    return ids;
  }

  Raft& raft(uint64_t id) { return *nodes_.at(id).raft; }
  MemoryStorage& storage(uint64_t id) { return *nodes_.at(id).storage; }
  // The data of the non-empty normal entries the node applied, in order.
  std::vector<std::string> applied(uint64_t id) {
    std::vector<std::string> out;
    for (const Entry& e : nodes_.at(id).applied) {
      if (e.type == EntryType::kNormal && !e.data.empty()) out.push_back(e.data);
    }
    return out;
  }
  std::vector<ReadState>& read_states(uint64_t id) { return nodes_.at(id).read_states; }
  // Messages of `type` delivered so far.
  int delivered(MessageType type) const {
    auto it = delivered_.find(type);
    return it == delivered_.end() ? 0 : it->second;
  }

  void Isolate(uint64_t id) {
    for (auto& [other, node] : nodes_) {
      if (other == id) continue;
      cut_.insert({id, other});
      cut_.insert({other, id});
    }
  }
  void Cut(uint64_t a, uint64_t b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  void Drop(MessageType type) { dropped_.insert(type); }
  void Recover() {
    cut_.clear();
    dropped_.clear();
  }

  void Campaign(uint64_t id) {
    raft(id).Campaign();
    Deliver();
  }
  Status Propose(uint64_t id, std::string data) {
    Status s = raft(id).Propose(std::move(data));
    Deliver();
    return s;
  }
  Status ProposeConfChange(uint64_t id, ConfChangeType type, uint64_t node) {
    Status s = raft(id).ProposeConfChange(ConfChange{type, node, ""});
    Deliver();
    return s;
  }
  void TickAll(int ticks) {
    for (int t = 0; t < ticks; ++t) {
      for (auto& [id, node] : nodes_) node.raft->Tick();
      Deliver();
    }
  }
  // The driver compacts its log up to `index` (at most its applied index).
  void Compact(uint64_t id, uint64_t index) {
    ASSERT_LE(index, raft(id).log().applied());
    ASSERT_TRUE(storage(id).Compact(index).ok());
  }

  void Deliver() {
    std::deque<Message> queue;
    for (;;) {
      for (auto& [id, node] : nodes_) Drain(id, node, &queue);
      if (queue.empty()) return;
      while (!queue.empty()) {
        Message m = std::move(queue.front());
        queue.pop_front();
        if (cut_.count({m.from, m.to}) != 0 || dropped_.count(m.type) != 0) {
          if (m.type == MessageType::kMsgSnap) raft(m.from).ReportSnapshot(m.to, true);
          continue;
        }
        ++delivered_[m.type];
        if (m.type == MessageType::kMsgSnap) {
          // The transport streams the sender's state machine up to the snapshot index.
          const auto& from = nodes_.at(m.from).applied;
          nodes_.at(m.to).staged.assign(from.begin(), from.begin() + m.snapshot.index);
          raft(m.to).Step(m);
          raft(m.from).ReportSnapshot(m.to, false);
        } else {
          raft(m.to).Step(m);
        }
      }
    }
  }

 private:
  static Entry BootstrapEntry(ConfChangeType type, uint64_t id) {
    return Entry{1, 0, EntryType::kConfigChange, EncodeConfChange(ConfChange{type, id, ""})};
  }

  void Add(uint64_t id, const std::vector<Entry>& log, const std::function<void(Config&)>& tweak) {
    auto& node = nodes_[id];
    node.storage = std::make_unique<MemoryStorage>();
    node.storage->Append(log);
    if (!log.empty()) node.storage->SetHardState(HardState{1, kNone, log.back().index});
    Config c;
    c.id = id;
    c.seed = 42;
    c.storage = node.storage.get();
    if (tweak) tweak(c);
    node.raft = std::make_unique<Raft>(c);
  }

  struct Node {
    std::unique_ptr<MemoryStorage> storage;
    std::unique_ptr<Raft> raft;
    std::vector<Entry> applied;
    std::vector<Entry> staged;  // received snapshot data
    std::vector<ReadState> read_states;
  };

  void Drain(uint64_t id, Node& node, std::deque<Message>* queue) {
    while (node.raft->HasReady()) {
      Ready rd = node.raft->GetReady();
      if (rd.snapshot) {
        ASSERT_EQ(node.staged.size(), rd.snapshot->index) << "node " << id;
        node.applied = node.staged;
        ASSERT_TRUE(node.storage->ApplySnapshot(*rd.snapshot).ok());
      }
      node.storage->Append(rd.entries);
      if (rd.hard_state) node.storage->SetHardState(*rd.hard_state);
      for (const Entry& e : rd.committed_entries) {
        ASSERT_EQ(e.index, node.applied.size() + 1) << "node " << id;
        node.applied.push_back(e);
        if (e.type == EntryType::kConfigChange) {
          Result<ConfChange> cc = DecodeConfChange(e.data);
          ASSERT_TRUE(cc.has_value());
          node.raft->ApplyConfChange(*cc);
        }
      }
      for (ReadState& r : rd.read_states) node.read_states.push_back(std::move(r));
      for (Message& m : rd.messages) queue->push_back(std::move(m));
      node.raft->Advance(rd);
    }
  }

  std::map<uint64_t, Node> nodes_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
  std::set<MessageType> dropped_;
  std::map<MessageType, int> delivered_;
};

}  // namespace coffer::storage::raft
