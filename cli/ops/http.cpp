#include "cli/ops/http.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace ochopod::cli {

void parallel_for(size_t n, size_t max_threads, const std::function<void(size_t)>& work) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) work(i);
  };
  const size_t count = std::min(n, std::max<size_t>(max_threads, 1));
  std::vector<std::thread> threads;
  threads.reserve(count);
  for (size_t k = 0; k < count; ++k) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
}

}  // namespace ochopod::cli
