#pragma once
// WorkerPool: a fixed set of threads running blocking tasks from a bounded FIFO queue, so
// I/O threads never block (http/: Core calls; cluster/: forwarded requests and snapshot
// hand-over). Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace coffer {

class WorkerPool {
 public:
  // Starts `threads` (at least 1) workers; at most `queue_limit` (at least 1) tasks wait.
  WorkerPool(int threads, size_t queue_limit);
  ~WorkerPool();  // Shutdown()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a task. False (task not run) when the queue is full or the pool is shut down.
  bool TrySubmit(std::function<void()> task);

  // Stops taking tasks; runs every task already queued (or, with run_queued false, drops
  // them unrun), then joins the workers. Idempotent.
  void Shutdown(bool run_queued = true);

  // Tasks queued or running.
  size_t Pending() const;

 private:
  void Run();

  const size_t queue_limit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  size_t running_ = 0;                       // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace coffer
