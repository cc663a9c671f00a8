#include "harness/proc_tree.h"

#include <cstdlib>
#include <filesystem>
#include <map>

#include "harness/files.h"

namespace ochopod::test {

namespace {

struct Stat {
  char state;
  pid_t ppid;
};

// /proc/<pid>/stat is "pid (comm) state ppid ..."; comm may hold spaces and
// parentheses, so parse from the last ')'.
std::optional<Stat> read_stat(pid_t pid) {
  const std::string text = read_text("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = text.rfind(')');
  if (close == std::string::npos || close + 4 > text.size()) return std::nullopt;
  Stat s{};
  s.state = text[close + 2];
  s.ppid = static_cast<pid_t>(std::strtol(text.c_str() + close + 4, nullptr, 10));
  return s;
}

}  // namespace

std::optional<pid_t> parent_of(pid_t pid) {
  auto s = read_stat(pid);
  if (!s) return std::nullopt;
  return s->ppid;
}

std::optional<char> process_state(pid_t pid) {
  auto s = read_stat(pid);
  if (!s) return std::nullopt;
  return s->state;
}

bool alive(pid_t pid) {
  auto state = process_state(pid);
  return state && *state != 'Z' && *state != 'X';
}

std::string comm_of(pid_t pid) {
  std::string text = read_text("/proc/" + std::to_string(pid) + "/comm");
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

int threads_named(const std::string& name) {
  int count = 0;
  std::error_code ec;
  std::filesystem::directory_iterator tasks("/proc/self/task", ec);
  if (ec) return -1;
  for (const auto& task : tasks) {
    std::string text = read_text((task.path() / "comm").string());
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (text == name) ++count;
  }
  return count;
}

bool is_guardian(pid_t pid) { return comm_of(pid) == "ochopod-guard"; }

std::optional<pid_t> guardian_of(pid_t pod) {
  for (pid_t p : descendants(pod)) {
    if (parent_of(p) == pod && is_guardian(p)) return p;
  }
  return std::nullopt;
}

namespace {

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

}  // namespace

std::vector<pid_t> processes_with_env(const std::string& entry) {
  std::vector<pid_t> found;
  for (pid_t p : all_pids()) {
    const std::string env = read_text("/proc/" + std::to_string(p) + "/environ");
    size_t start = 0;
    while (start < env.size()) {
      size_t end = env.find('\0', start);
      if (end == std::string::npos) end = env.size();
      if (env.compare(start, end - start, entry) == 0) {
        if (alive(p)) found.push_back(p);
        break;
      }
      start = end + 1;
    }
  }
  return found;
}

std::vector<pid_t> descendants(pid_t pid) {
  std::multimap<pid_t, pid_t> children;
  for (pid_t p : all_pids()) {
    if (auto s = read_stat(p); s && s->state != 'Z' && s->state != 'X') {
      children.emplace(s->ppid, p);
    }
  }
  std::vector<pid_t> found;
  std::vector<pid_t> queue{pid};
  for (size_t i = 0; i < queue.size(); ++i) {
    auto [begin, end] = children.equal_range(queue[i]);
    for (auto it = begin; it != end; ++it) {
      found.push_back(it->second);
      queue.push_back(it->second);
    }
  }
  return found;
}

}  // namespace ochopod::test
