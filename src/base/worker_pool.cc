#include "base/worker_pool.h"

#include <algorithm>

namespace coffer {

WorkerPool::WorkerPool(int threads, size_t queue_limit)
    : queue_limit_(std::max<size_t>(queue_limit, 1)) {
  int n = std::max(threads, 1);
  threads_.reserve(n);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() { Shutdown(); }

bool WorkerPool::TrySubmit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_ || queue_.size() >= queue_limit_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::Shutdown(bool run_queued) {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    if (!run_queued) dropped.swap(queue_);
  }
  dropped.clear();  // outside the lock: a task's captures may be heavy
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

size_t WorkerPool::Pending() const {
  std::lock_guard<std::mutex> l(mu_);
  return queue_.size() + running_;
}

void WorkerPool::Run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    task();
    task = nullptr;  // release captures (connections) before counting the task done
    std::lock_guard<std::mutex> l(mu_);
    --running_;
  }
}

}  // namespace coffer
