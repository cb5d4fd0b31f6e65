// ClusterTransport::Impl: snapshot streams and request forwarding.

#include <cstdio>
#include <exception>

#include "base/json.h"
#include "base/log.h"
#include "cluster/transport_impl.h"

namespace coffer::cluster {

using storage::raft::Member;
using storage::raft::Message;
using storage::raft::MessageType;
using storage::raft::SnapshotSink;

namespace {

ForwardedResponse ErrorResponse(int status, const std::string& message) {
  ForwardedResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = Json{{"errors", Json::array({message})}}.dump();
  return r;
}

}  // namespace

// ---- Snapshots ----

void ClusterTransport::Impl::SendSnapshot(Message m,
                                          std::function<Status(const SnapshotSink&)> write) {
  auto state = std::make_shared<SnapshotSendState>(options_.snapshot_window_bytes);
  std::unique_lock<std::mutex> l(mu_);
  if (stopping_) {
    l.unlock();
    if (auto h = Get(snapshot_status_handler)) h(m.to, true);
    return;
  }
  // Reap streams that finished.
  std::erase_if(snapshot_jobs_, [](SnapshotJob& job) {
    if (!job.done->load()) return false;
    job.thread.join();
    return true;
  });
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread t([this, m = std::move(m), write = std::move(write), state, done]() mutable {
    RunSnapshotSend(std::move(m), write, state);
    done->store(true);
  });
  snapshot_jobs_.push_back(SnapshotJob{std::move(t), done, state});
}

Status ClusterTransport::Impl::Push(const std::shared_ptr<SnapshotSendState>& state, FrameKind kind,
                                    std::string_view payload) {
  std::string frame = MakeFrame(kind, payload);
  {
    std::unique_lock<std::mutex> l(state->mu);
    bool ready = state->cv.wait_for(l, options_.write_timeout, [&] {
      return state->failed || state->in_flight == 0 ||
             state->in_flight + frame.size() <= state->window;
    });
    if (!ready) state->failed = true;
    if (state->failed) return Unavailable("cluster: snapshot stream failed");
    state->in_flight += frame.size();
  }
  asio::post(ioc_, [this, state, frame = std::move(frame)]() mutable {
    auto conn = state->conn.lock();
    if (!conn || conn->closed()) {
      state->Release(frame.size());
      state->Fail();
      return;
    }
    conn->EnqueueFrame(std::move(frame));
  });
  return Status::Ok();
}

void ClusterTransport::Impl::RunSnapshotSend(
    Message m, const std::function<Status(const SnapshotSink&)>& write,
    const std::shared_ptr<SnapshotSendState>& state) {
  const uint64_t to = m.to;
  std::string address;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = addresses_.find(to);
    if (it != addresses_.end()) address = it->second;
  }
  Status st = address.empty() ? Unavailable("cluster: unknown peer") : Status::Ok();
  if (st.ok()) {
    asio::post(ioc_, [this, state, address] {
      if (io_stopping_) return state->Fail();
      state->conn = Dial(address, [&](Conn& c) { c.snapshot_out = state; });
    });
    st = Push(state, FrameKind::kSnapshotBegin, EncodeMessage(m));
  }
  uint64_t total = 0;
  if (st.ok()) {
    const size_t chunk_bytes = std::max<size_t>(options_.snapshot_chunk_bytes, 1);
    st = write([&](std::string_view chunk) -> Status {
      while (!chunk.empty()) {
        std::string_view piece = chunk.substr(0, chunk_bytes);
        COFFER_RETURN_IF_ERROR(Push(state, FrameKind::kSnapshotChunk, piece));
        total += piece.size();
        chunk.remove_prefix(piece.size());
      }
      return Status::Ok();
    });
  }
  if (st.ok()) {
    std::string end;
    PutU64(end, total);
    st = Push(state, FrameKind::kSnapshotEnd, end);
  }
  if (st.ok()) {
    std::unique_lock<std::mutex> l(state->mu);
    state->cv.wait_for(l, options_.snapshot_ack_timeout,
                       [&] { return state->failed || state->acked; });
    if (!state->acked || !state->ack_ok) st = Unavailable("cluster: snapshot not acknowledged");
  }
  asio::post(ioc_, [state] {
    if (auto conn = state->conn.lock()) conn->Close();
  });
  if (!st.ok()) {
    log::Warn("cluster", "snapshot send failed",
              {{"peer", std::to_string(to)}, {"error", st.message()}});
  } else {
    log::Info("cluster", "snapshot sent",
              {{"peer", std::to_string(to)}, {"bytes", std::to_string(total)}});
  }
  if (auto h = Get(snapshot_status_handler)) h(to, !st.ok());
}

bool ClusterTransport::Impl::OnSnapshotFrame(const std::shared_ptr<Conn>& conn, FrameKind kind,
                                             std::string payload) {
  if (kind == FrameKind::kSnapshotBegin) {
    if (conn->snapshot_in) return false;
    auto m = DecodeMessage(payload);
    if (!m || m->type != MessageType::kMsgSnap) return false;
    auto file =
        SnapshotFile::Create(options_.snapshot_dir, m->from, m->snapshot.term, m->snapshot.index);
    if (!file) {
      log::Error("cluster", "cannot receive snapshot", {{"error", file.error().message()}});
      return false;
    }
    conn->snapshot_in = std::move(*file);
    conn->snapshot_message = std::move(*m);
    return true;
  }
  if (!conn->snapshot_in) return false;
  if (kind == FrameKind::kSnapshotChunk) {
    Status st = conn->snapshot_in->Write(payload);
    if (!st.ok()) log::Error("cluster", "snapshot write failed", {{"error", st.message()}});
    return st.ok();
  }
  // kSnapshotEnd: the stream is complete; save it off the I/O thread, then acknowledge.
  if (payload.size() != 8 || GetU64(payload) != conn->snapshot_in->size()) return false;
  auto file = std::make_shared<std::unique_ptr<SnapshotFile>>(std::move(conn->snapshot_in));
  Message m = std::move(conn->snapshot_message);
  return snapshot_pool_.TrySubmit([this, conn, file, m = std::move(m)]() mutable {
    bool ok = FinishSnapshot(std::move(*file), std::move(m));
    asio::post(ioc_, [conn, ok] {
      conn->Enqueue(FrameKind::kSnapshotAck, std::string(1, ok ? '\1' : '\0'));
    });
  });
}

bool ClusterTransport::Impl::FinishSnapshot(std::unique_ptr<SnapshotFile> file, Message m) {
  auto path = file->Finish();
  if (!path) {
    log::Error("cluster", "saving snapshot failed", {{"error", path.error().message()}});
    return false;
  }
  if (auto reader = Get(snapshot_meta_reader)) {
    auto meta = reader(*path);
    if (!meta) {
      log::Error("cluster", "received snapshot is invalid", {{"error", meta.error().message()}});
      std::remove(path->c_str());
      return false;
    }
    m.snapshot = std::move(*meta);
  }
  auto handler = Get(snapshot_handler);
  if (!handler) {
    std::remove(path->c_str());
    return false;
  }
  handler(std::move(m), *path);
  return true;
}

// ---- Request forwarding ----

Result<ForwardedResponse> ClusterTransport::Impl::Forward(const std::string& address,
                                                          ForwardedRequest req,
                                                          std::chrono::milliseconds timeout) {
  COFFER_ASSIGN_OR_RETURN(std::string encoded, EncodeForwardedRequest(req));
  static std::atomic<uint64_t> next_id{0};
  const uint64_t id = ++next_id;
  std::string payload;
  payload.reserve(8 + encoded.size());
  PutU64(payload, id);
  payload += encoded;
  encoded.clear();
  auto pending = std::make_shared<PendingForward>();
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return Err(Unavailable("cluster: transport stopped"));
    asio::post(ioc_, [this, address, id, pending, payload = std::move(payload)] {
      if (io_stopping_) {
        return pending->Complete(Err(Unavailable("cluster: transport stopped")));
      }
      auto& conn = forward_conns_[address];
      if (!conn || conn->closed()) {
        conn = Dial(address, [](Conn& c) { c.forward_pool = true; });
      }
      conn->forwards[id] = pending;
      conn->Enqueue(FrameKind::kForwardRequest, payload);
    });
  }
  std::unique_lock<std::mutex> l(pending->mu);
  if (!pending->cv.wait_for(l, timeout, [&] { return pending->done; })) {
    l.unlock();
    asio::post(ioc_, [this, address, id] {
      auto it = forward_conns_.find(address);
      if (it != forward_conns_.end()) it->second->forwards.erase(id);
    });
    return Err(Unavailable("cluster: request forwarding to " + address + " timed out"));
  }
  return std::move(pending->result);
}

ForwardedResponse ClusterTransport::Impl::RunForwardHandler(ForwardedRequest req) {
  auto handler = Get(forward_handler);
  if (!handler) return ErrorResponse(503, "request forwarding is not enabled on this node");
  try {
    return handler(std::move(req));
  } catch (const std::exception& e) {
    log::Error("cluster", "forward handler failed", {{"error", e.what()}});
    return ErrorResponse(500, "internal error");
  }
}

bool ClusterTransport::Impl::OnForwardRequest(const std::shared_ptr<Conn>& conn,
                                              std::string payload) {
  if (payload.size() < 8) return false;
  const uint64_t id = GetU64(payload);
  auto respond = [this, conn, id](const ForwardedResponse& resp) {
    auto encoded = EncodeForwardedResponse(resp);
    if (!encoded) encoded = EncodeForwardedResponse(ErrorResponse(500, encoded.error().message()));
    std::string out;
    PutU64(out, id);
    out += *encoded;
    asio::post(ioc_,
               [conn, out = std::move(out)] { conn->Enqueue(FrameKind::kForwardResponse, out); });
  };
  auto req = DecodeForwardedRequest(std::string_view(payload).substr(8));
  if (!req) {
    respond(ErrorResponse(400, req.error().message()));
    return true;
  }
  bool queued = forward_pool_.TrySubmit([this, respond, req = std::move(*req)]() mutable {
    respond(RunForwardHandler(std::move(req)));
  });
  if (!queued) respond(ErrorResponse(503, "cluster: active node is busy"));
  return true;
}

bool ClusterTransport::Impl::OnForwardResponse(Conn& conn, std::string_view payload) {
  if (payload.size() < 8) return false;
  auto it = conn.forwards.find(GetU64(payload));
  if (it == conn.forwards.end()) return true;  // timed out meanwhile
  it->second->Complete(DecodeForwardedResponse(payload.substr(8)));
  conn.forwards.erase(it);
  return true;
}

}  // namespace coffer::cluster
