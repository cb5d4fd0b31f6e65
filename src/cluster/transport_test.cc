// ClusterTransport on loopback with real mutual TLS and ports picked by the kernel.

#include "cluster/transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "cluster/frame.h"

namespace coffer::cluster {
namespace {

using namespace std::chrono_literals;
using storage::raft::Entry;
using storage::raft::Member;
using storage::raft::Message;
using storage::raft::MessageType;

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

const ClusterTls& Keyring() {
  static ClusterTls tls = *GenerateClusterTls();
  return tls;
}

// One transport and what reached its handlers.
struct TestNode {
  uint64_t id = 0;
  std::unique_ptr<ClusterTransport> transport;
  std::mutex mu;
  std::vector<Message> received;      // guarded by mu
  std::vector<uint64_t> unreachable;  // guarded by mu

  // The transport's handlers write the members above: stop it before they go.
  ~TestNode() {
    if (transport) transport->Stop();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(transport->port()); }
  size_t ReceivedCount() {
    std::lock_guard<std::mutex> l(mu);
    return received.size();
  }
  size_t UnreachableCount(uint64_t peer) {
    std::lock_guard<std::mutex> l(mu);
    return static_cast<size_t>(std::count(unreachable.begin(), unreachable.end(), peer));
  }
};

ClusterTransportOptions FastOptions(uint64_t id) {
  ClusterTransportOptions o;
  o.local_id = id;
  o.reconnect_backoff_min = 20ms;
  o.reconnect_backoff_max = 200ms;
  o.handshake_timeout = 3000ms;
  return o;
}

std::unique_ptr<TestNode> MakeNode(uint64_t id, const std::string& listen = "127.0.0.1:0",
                                   const ClusterTls& tls = Keyring(),
                                   ClusterTransportOptions options = {}) {
  auto n = std::make_unique<TestNode>();
  n->id = id;
  if (options.local_id == 0) options = FastOptions(id);
  auto t = ClusterTransport::Create(tls, options);
  EXPECT_TRUE(t) << t.error().ToString();
  n->transport = std::move(*t);
  TestNode* raw = n.get();
  n->transport->SetMessageHandler([raw](Message m) {
    std::lock_guard<std::mutex> l(raw->mu);
    raw->received.push_back(std::move(m));
  });
  n->transport->SetUnreachableHandler([raw](uint64_t peer) {
    std::lock_guard<std::mutex> l(raw->mu);
    raw->unreachable.push_back(peer);
  });
  Status st = n->transport->Start(listen);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return n;
}

Message App(uint64_t from, uint64_t to, uint64_t index) {
  Message m;
  m.type = MessageType::kMsgApp;
  m.from = from;
  m.to = to;
  m.term = 3;
  m.index = index;
  m.entries = {
      Entry{3, index + 1, storage::raft::EntryType::kNormal, "data" + std::to_string(index)}};
  return m;
}

TEST(TransportTest, ThreeNodesExchangeBatchesBothWays) {
  std::vector<std::unique_ptr<TestNode>> nodes;
  for (uint64_t id = 1; id <= 3; ++id) nodes.push_back(MakeNode(id));
  std::vector<Member> members;
  for (auto& n : nodes)
    members.push_back(Member{n->id, "node" + std::to_string(n->id), n->address(), true});
  for (auto& n : nodes) n->transport->UpdatePeers(members);

  constexpr uint64_t kRounds = 50;
  for (uint64_t i = 0; i < kRounds; ++i) {
    for (auto& n : nodes) {
      std::vector<Message> batch;
      for (auto& peer : nodes) {
        if (peer->id != n->id) batch.push_back(App(n->id, peer->id, i));
      }
      batch.push_back(App(n->id, nodes[(n->id) % 3]->id, 1000 + i));  // two to one peer
      n->transport->Send(std::move(batch));
    }
  }
  for (auto& n : nodes) {
    ASSERT_TRUE(WaitFor([&] { return n->ReceivedCount() == 3 * kRounds; }))
        << "node " << n->id << " got " << n->ReceivedCount();
    std::lock_guard<std::mutex> l(n->mu);
    std::map<uint64_t, uint64_t> next_index;  // per sender: messages arrive in order
    for (const Message& m : n->received) {
      EXPECT_EQ(m.to, n->id);
      if (m.index >= 1000) continue;
      EXPECT_EQ(m.index, next_index[m.from]++);
      ASSERT_EQ(m.entries.size(), 1u);
      EXPECT_EQ(m.entries[0].data, "data" + std::to_string(m.index));
    }
  }
  for (auto& n : nodes) {
    for (auto& peer : nodes) {
      if (peer->id == n->id) continue;
      PeerStats s = n->transport->GetPeerStats(peer->id);
      EXPECT_TRUE(s.connected);
      EXPECT_EQ(s.sent_batches, kRounds);
      EXPECT_EQ(s.dropped_batches, 0u);
    }
  }
}

TEST(TransportTest, ReconnectsAfterPeerRestarts) {
  auto a = MakeNode(1);
  auto b = MakeNode(2);
  std::string b_address = b->address();
  std::vector<Member> members = {{1, "a", a->address(), true}, {2, "b", b_address, true}};
  a->transport->UpdatePeers(members);
  a->transport->Send({App(1, 2, 1)});
  ASSERT_TRUE(WaitFor([&] { return b->ReceivedCount() == 1; }));

  b.reset();  // stops its transport: connections close
  b = MakeNode(2, b_address);
  ASSERT_TRUE(WaitFor([&] {
    a->transport->Send({App(1, 2, 2)});
    std::this_thread::sleep_for(10ms);
    return b->ReceivedCount() > 0;
  }));
  EXPECT_GT(a->UnreachableCount(2), 0u);  // the gap was reported
}

TEST(TransportTest, RefusesPeerFromAnotherCluster) {
  auto target = MakeNode(1);
  auto other_tls = GenerateClusterTls();
  ASSERT_TRUE(other_tls);
  auto intruder = MakeNode(2, "127.0.0.1:0", *other_tls);
  intruder->transport->UpdatePeers({{1, "t", target->address(), true}});
  ASSERT_TRUE(WaitFor([&] {
    intruder->transport->Send({App(2, 1, 1)});
    std::this_thread::sleep_for(10ms);
    return intruder->UnreachableCount(1) >= 2;
  }));
  EXPECT_FALSE(intruder->transport->GetPeerStats(1).connected);
  // The target cannot reach the intruder either.
  target->transport->UpdatePeers({{2, "i", intruder->address(), true}});
  target->transport->Send({App(1, 2, 1)});
  ASSERT_TRUE(WaitFor([&] { return target->UnreachableCount(2) > 0; }));
  EXPECT_EQ(target->ReceivedCount(), 0u);
  EXPECT_EQ(intruder->ReceivedCount(), 0u);
}

// A raw OpenSSL client with no certificate: the handshake (or the first read after it,
// with TLS 1.3) fails and the frame it wrote never reaches the handler.
TEST(TransportTest, RefusesClientWithoutCertificate) {
  auto target = MakeNode(1);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(target->transport->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_connect(ssl) == 1) {
    std::string frame = MakeFrame(FrameKind::kRaftBatch, EncodeBatch({App(2, 1, 1)}));
    SSL_write(ssl, frame.data(), static_cast<int>(frame.size()));
    char buf[16];
    EXPECT_LE(SSL_read(ssl, buf, sizeof(buf)), 0);
  }
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(target->ReceivedCount(), 0u);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
}

std::string TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "cluster_test_XXXXXX").string();
  char* dir = mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr);
  return tmpl;
}

size_t CurrentRssBytes() {
  std::ifstream f("/proc/self/statm");
  size_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

TEST(TransportTest, StreamsLargeSnapshotWithBoundedMemory) {
  constexpr size_t kTotal = 100u << 20;
  constexpr size_t kChunk = 256u << 10;
  std::string dir = TempDir();
  auto sender = MakeNode(1);
  ClusterTransportOptions ro = FastOptions(2);
  ro.snapshot_dir = dir;
  auto receiver = MakeNode(2, "127.0.0.1:0", Keyring(), ro);

  std::mutex mu;
  std::condition_variable cv;
  std::string received_path;
  Message received_msg;
  int status_reports = 0;
  bool status_failed = true;
  receiver->transport->SetSnapshotMetaReader(
      [](const std::string&) -> Result<storage::raft::SnapshotMeta> {
        storage::raft::SnapshotMeta meta;
        meta.index = 77;
        meta.term = 4;
        meta.conf.voters = {1, 2};
        return meta;
      });
  receiver->transport->SetSnapshotHandler([&](Message m, std::string path) {
    std::lock_guard<std::mutex> l(mu);
    received_msg = std::move(m);
    received_path = std::move(path);
    cv.notify_all();
  });
  sender->transport->SetSnapshotStatusHandler([&](uint64_t to, bool failed) {
    std::lock_guard<std::mutex> l(mu);
    EXPECT_EQ(to, 2u);
    ++status_reports;
    status_failed = failed;
    cv.notify_all();
  });
  sender->transport->UpdatePeers({{2, "b", receiver->address(), true}});

  EVP_MD_CTX* sent_hash = EVP_MD_CTX_new();
  EVP_DigestInit_ex(sent_hash, EVP_sha256(), nullptr);
  size_t baseline = CurrentRssBytes();
  size_t peak = baseline;
  Message snap;
  snap.type = MessageType::kMsgSnap;
  snap.from = 1;
  snap.to = 2;
  snap.term = 4;
  snap.snapshot.index = 50;  // stale: the meta reader's 77 must win
  sender->transport->SendSnapshot(snap, [&](const storage::raft::SnapshotSink& sink) -> Status {
    std::string chunk(kChunk, '\0');
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t sent = 0; sent < kTotal; sent += kChunk) {
      for (size_t i = 0; i < kChunk; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::memcpy(chunk.data() + i, &x, 8);
      }
      EVP_DigestUpdate(sent_hash, chunk.data(), chunk.size());
      COFFER_RETURN_IF_ERROR(sink(chunk));
      if (sent % (8u << 20) == 0) peak = std::max(peak, CurrentRssBytes());
    }
    return Status::Ok();
  });
  {
    std::unique_lock<std::mutex> l(mu);
    ASSERT_TRUE(cv.wait_for(l, 20s, [&] { return status_reports > 0; }));
    EXPECT_FALSE(status_failed);
    ASSERT_FALSE(received_path.empty());
  }
  unsigned char want[EVP_MAX_MD_SIZE];
  unsigned int want_len = 0;
  EVP_DigestFinal_ex(sent_hash, want, &want_len);
  EVP_MD_CTX_free(sent_hash);

  EXPECT_EQ(std::filesystem::file_size(received_path), kTotal);
  EXPECT_EQ(received_msg.type, MessageType::kMsgSnap);
  EXPECT_EQ(received_msg.from, 1u);
  EXPECT_EQ(received_msg.snapshot.index, 77u);
  std::ifstream in(received_path, std::ios::binary);
  EVP_MD_CTX* got_hash = EVP_MD_CTX_new();
  EVP_DigestInit_ex(got_hash, EVP_sha256(), nullptr);
  std::string buf(1 << 20, '\0');
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
    EVP_DigestUpdate(got_hash, buf.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char got[EVP_MAX_MD_SIZE];
  unsigned int got_len = 0;
  EVP_DigestFinal_ex(got_hash, got, &got_len);
  EVP_MD_CTX_free(got_hash);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(got), got_len),
            std::string(reinterpret_cast<char*>(want), want_len));
  // Both ends live in this process: the stream never held more than a few chunks.
  // (AddressSanitizer's quarantine keeps freed chunks resident, so only without it.)
#ifndef __SANITIZE_ADDRESS__
  EXPECT_LT(peak - baseline, 40u << 20) << "RSS grew by " << ((peak - baseline) >> 20) << " MiB";
#endif
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(e.path().extension(), ".snap") << e.path();
  }
  std::filesystem::remove_all(dir);
}

TEST(TransportTest, SnapshotToPeerWithoutSnapshotDirFails) {
  auto sender = MakeNode(1);
  auto receiver = MakeNode(2);  // no snapshot_dir
  std::atomic<int> failed{-1};
  sender->transport->SetSnapshotStatusHandler([&](uint64_t, bool f) { failed = f ? 1 : 0; });
  sender->transport->UpdatePeers({{2, "b", receiver->address(), true}});
  Message snap;
  snap.type = MessageType::kMsgSnap;
  snap.from = 1;
  snap.to = 2;
  sender->transport->SendSnapshot(
      snap, [](const storage::raft::SnapshotSink& sink) { return sink("abc"); });
  ASSERT_TRUE(WaitFor([&] { return failed.load() != -1; }));
  EXPECT_EQ(failed.load(), 1);
}

TEST(TransportTest, ForwardsRequestsConcurrently) {
  auto active = MakeNode(1);
  auto standby = MakeNode(2);
  std::atomic<int> in_flight{0}, max_in_flight{0};
  active->transport->SetForwardHandler([&](ForwardedRequest req) {
    int now = ++in_flight;
    int prev = max_in_flight.load();
    while (now > prev && !max_in_flight.compare_exchange_weak(prev, now)) {
    }
    std::this_thread::sleep_for(5ms);
    --in_flight;
    ForwardedResponse resp;
    resp.status = req.method == "PUT" ? 204 : 200;
    resp.headers = {{"X-Target", req.target}, {"X-Remote", req.remote_address}};
    for (const auto& [name, value] : req.headers) resp.headers.emplace_back("Echo-" + name, value);
    resp.body = std::string(req.body.rbegin(), req.body.rend());
    return resp;
  });

  ForwardedRequest big{"POST",
                       "/v1/secret/data/x?cas=1",
                       {{"X-Vault-Token", "hvs.t"}},
                       std::string(1u << 20, 'a'),
                       "192.0.2.9:4000"};
  big.body[0] = 'z';
  auto resp = standby->transport->Forward(active->address(), big, 5000ms);
  ASSERT_TRUE(resp) << resp.error().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body.size(), 1u << 20);
  EXPECT_EQ(resp->body.back(), 'z');
  HeaderList want = {{"X-Target", "/v1/secret/data/x?cas=1"},
                     {"X-Remote", "192.0.2.9:4000"},
                     {"Echo-X-Vault-Token", "hvs.t"}};
  EXPECT_EQ(resp->headers, want);

  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string body = "req-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = standby->transport->Forward(
            active->address(), ForwardedRequest{"GET", "/v1/sys/health", {}, body, ""}, 5000ms);
        if (r && r->body == std::string(body.rbegin(), body.rend())) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80);
  EXPECT_GT(max_in_flight.load(), 1);  // several workers ran at once over one connection

  // Nothing listens there: fails fast, not at the timeout.
  auto start = std::chrono::steady_clock::now();
  auto dead =
      standby->transport->Forward("127.0.0.1:1", ForwardedRequest{"GET", "/", {}, "", ""}, 5000ms);
  ASSERT_FALSE(dead);
  EXPECT_EQ(dead.error().code(), StatusCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

// A peer that accepts TCP but never speaks TLS: its queue fills, then batches are dropped,
// counted and reported; the queue never exceeds its bounds.
TEST(TransportTest, SendQueueOverflowIsBoundedAndReported) {
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(lfd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(lfd, 16), 0);
  socklen_t len = sizeof(addr);
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);

  ClusterTransportOptions o = FastOptions(1);
  o.max_queued_batches = 16;
  o.max_queued_bytes = 64u << 10;
  auto node = MakeNode(1, "127.0.0.1:0", Keyring(), o);
  node->transport->UpdatePeers(
      {{9, "silent", "127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), true}});
  for (int i = 0; i < 200; ++i) {
    Message m = App(1, 9, static_cast<uint64_t>(i));
    m.entries[0].data.assign(2000, 'x');
    node->transport->Send({m});
  }
  ASSERT_TRUE(WaitFor([&] { return node->transport->GetPeerStats(9).dropped_batches >= 184; }));
  PeerStats s = node->transport->GetPeerStats(9);
  EXPECT_EQ(s.dropped_batches, 184u);
  EXPECT_FALSE(s.connected);
  EXPECT_LE(s.queued_bytes, 64u << 10);
  EXPECT_EQ(node->UnreachableCount(9), 184u);
  node.reset();
  close(lfd);
}

TEST(TransportTest, StopWithTrafficInFlightIsClean) {
  auto a = MakeNode(1);
  auto b = MakeNode(2);
  std::vector<Member> members = {{1, "a", a->address(), true}, {2, "b", b->address(), true}};
  a->transport->UpdatePeers(members);
  b->transport->UpdatePeers(members);
  b->transport->SetForwardHandler([](ForwardedRequest) {
    std::this_thread::sleep_for(50ms);
    return ForwardedResponse{};
  });
  std::string b_address = b->address();
  std::thread forwarder([&] {
    for (int i = 0; i < 5; ++i) {
      (void)a->transport->Forward(b_address, ForwardedRequest{"GET", "/", {}, "", ""}, 1000ms);
    }
  });
  for (int i = 0; i < 100; ++i) {
    a->transport->Send({App(1, 2, static_cast<uint64_t>(i))});
    b->transport->Send({App(2, 1, static_cast<uint64_t>(i))});
  }
  std::this_thread::sleep_for(20ms);
  b.reset();
  forwarder.join();
  a.reset();
}

TEST(TransportTest, UpdateTlsAppliesToNewConnections) {
  auto rotated = GenerateClusterTls();
  ASSERT_TRUE(rotated);
  auto a = MakeNode(1);                           // old keyring
  auto c = MakeNode(3, "127.0.0.1:0", *rotated);  // new keyring
  c->transport->UpdatePeers({{1, "a", a->address(), true}});
  c->transport->Send({App(3, 1, 1)});
  ASSERT_TRUE(WaitFor([&] { return c->UnreachableCount(1) > 0; }));
  EXPECT_EQ(a->ReceivedCount(), 0u);

  ASSERT_TRUE(a->transport->UpdateTls(*rotated).ok());
  ASSERT_TRUE(WaitFor([&] {
    c->transport->Send({App(3, 1, 2)});
    std::this_thread::sleep_for(10ms);
    return a->ReceivedCount() > 0;
  }));
}

}  // namespace
}  // namespace coffer::cluster
