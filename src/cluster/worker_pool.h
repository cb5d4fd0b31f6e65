#pragma once
// Internal: fixed threads running blocking tasks from a bounded FIFO queue (forwarded
// requests, snapshot hand-over), so the I/O thread never blocks. Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace coffer::cluster {

class WorkerPool {
 public:
  WorkerPool(int threads, size_t queue_limit);
  ~WorkerPool();  // Shutdown()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False (task not run) when the queue is full or the pool is shut down.
  bool TrySubmit(std::function<void()> task);
  // Drops queued tasks, waits for running ones, joins. Idempotent.
  void Shutdown();

 private:
  void Run();

  const size_t queue_limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace coffer::cluster
