#include "runtime/base/parallel.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace ochopod {

size_t parallel_for(size_t n, size_t max_threads, const std::function<void(size_t)>& work,
                    ParallelCancel* cancel, const char* thread_name) {
  if (n == 0) return 0;
  const size_t count = std::min(n, std::max<size_t>(max_threads, 1));
  std::atomic<size_t> next{0};
  std::atomic<size_t> finished{0};
  std::vector<std::thread> threads;
  threads.reserve(count);
  for (size_t t = 0; t < count; ++t) {
    threads.emplace_back([&] {
      if (thread_name != nullptr) pthread_setname_np(pthread_self(), thread_name);
      for (size_t i = next++; i < n && !(cancel && cancel->cancelled()); i = next++) work(i);
      ++finished;
      if (cancel) cancel->notify();
    });
  }
  if (cancel) cancel->supervise([&] { return finished.load() == count; });
  for (auto& thread : threads) thread.join();
  return count;
}

}  // namespace ochopod
