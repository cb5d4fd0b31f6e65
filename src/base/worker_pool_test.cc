#include "base/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

namespace coffer {
namespace {

// One worker held busy by a task waiting on `release`, so the queue fills behind it.
struct Blocked {
  std::promise<void> release;
  std::shared_future<void> wait = release.get_future().share();
};

TEST(WorkerPoolTest, BoundedQueueRefusesWhenFull) {
  WorkerPool pool(1, 2);
  Blocked b;
  std::promise<void> started;
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.set_value();
    b.wait.wait();
  }));
  started.get_future().wait();
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_FALSE(pool.TrySubmit([] {}));  // two waiting: full
  EXPECT_EQ(pool.Pending(), 3u);
  b.release.set_value();
  pool.Shutdown();
  EXPECT_EQ(pool.Pending(), 0u);
  EXPECT_FALSE(pool.TrySubmit([] {}));  // shut down
}

TEST(WorkerPoolTest, ShutdownRunsOrDropsQueuedTasks) {
  for (bool run_queued : {true, false}) {
    WorkerPool pool(1, 8);
    Blocked b;
    std::atomic<int> ran{0};
    std::promise<void> started;
    ASSERT_TRUE(pool.TrySubmit([&] {
      started.set_value();
      b.wait.wait();
    }));
    started.get_future().wait();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.TrySubmit([&] { ++ran; }));
    std::thread releaser([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      b.release.set_value();
    });
    pool.Shutdown(run_queued);
    releaser.join();
    EXPECT_EQ(ran.load(), run_queued ? 3 : 0) << run_queued;
  }
}

}  // namespace
}  // namespace coffer
