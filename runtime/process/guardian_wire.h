// What the pod and its guardian share (runtime/process/guardian.h): the
// frames the pod sends and the guardian's set of groups to kill.
//
// Compiled into the pod's runtime (guardian.cpp, which encodes) and into the
// guardian program (guardian_main.cpp, which decodes and keeps the set).
// That program links libc alone, so nothing here may need the C++ runtime
// library: no operator new, no exceptions, no std::function; only headers
// whose code is all inline. The set grows with realloc.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

namespace ochopod::guardian {

enum class Op : std::uint32_t { watch = 1, release = 2 };

struct Message {
  Op op;
  pid_t pgid;
  bool operator==(const Message&) const = default;
};

inline constexpr std::size_t kMessageSize = 8;

// Where the guardian program finds its end of the pod's socket pair: the
// pod's spawn puts it there and closes everything above it.
inline constexpr int kSocketFd = 3;

// Little fixed-size frames: op, then pgid, both 32-bit in host order (the two
// ends are one build on one machine).
inline std::array<unsigned char, kMessageSize> encode(const Message& message) {
  std::array<unsigned char, kMessageSize> frame{};
  const auto op = static_cast<std::uint32_t>(message.op);
  const auto pgid = static_cast<std::int32_t>(message.pgid);
  std::memcpy(frame.data(), &op, 4);
  std::memcpy(frame.data() + 4, &pgid, 4);
  return frame;
}

// nullopt for a frame of the wrong size, an unknown op or a pgid <= 1.
inline std::optional<Message> decode(const unsigned char* data, std::size_t size) {
  if (data == nullptr || size != kMessageSize) return std::nullopt;
  std::uint32_t op = 0;
  std::int32_t pgid = 0;
  std::memcpy(&op, data, 4);
  std::memcpy(&pgid, data + 4, 4);
  // kill(-1) and kill(0) mean everything and our own group: never a pgid.
  if (pgid <= 1) return std::nullopt;
  if (op != static_cast<std::uint32_t>(Op::watch) && op != static_cast<std::uint32_t>(Op::release))
    return std::nullopt;
  return Message{static_cast<Op>(op), static_cast<pid_t>(pgid)};
}

// The guardian's bookkeeping: the groups to kill should the pod die. Watches
// are counted, so a pgid reused by a new spawn before the old release
// arrived stays watched; a released group is dropped by a sweep once it has
// no member left (its number cannot be reused until then).
class WatchSet {
 public:
  WatchSet() = default;
  ~WatchSet() { std::free(entries_); }
  WatchSet(const WatchSet&) = delete;
  WatchSet& operator=(const WatchSet&) = delete;

  // False only when a new group could not be stored (out of memory).
  bool apply(const Message& message) {
    Entry* found = find(message.pgid);
    if (message.op == Op::release) {
      if (found != nullptr && found->held > 0) --found->held;
      return true;
    }
    if (found != nullptr) {
      ++found->held;
      return true;
    }
    if (size_ == capacity_) {
      const std::size_t capacity = capacity_ == 0 ? 16 : 2 * capacity_;
      void* grown = std::realloc(entries_, capacity * sizeof(Entry));
      if (grown == nullptr) return false;
      entries_ = static_cast<Entry*>(grown);
      capacity_ = capacity;
    }
    entries_[size_++] = Entry{message.pgid, 1};
    return true;
  }

  // Drops the released groups that exist no more; exists(pgid) says whether
  // a group still has any member (zombies included).
  template <typename Exists>
  void sweep(const Exists& exists) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < size_; ++i) {
      if (entries_[i].held == 0 && !exists(entries_[i].pgid)) continue;
      entries_[kept++] = entries_[i];
    }
    size_ = kept;
  }

  // Released groups that still had members at the last sweep.
  bool pending() const {
    for (std::size_t i = 0; i < size_; ++i) {
      if (entries_[i].held == 0) return true;
    }
    return false;
  }

  template <typename Fn>
  void for_each_group(const Fn& fn) const {
    for (std::size_t i = 0; i < size_; ++i) fn(entries_[i].pgid);
  }

  // For tests, which link libstdc++.
  std::vector<pid_t> groups() const {
    std::vector<pid_t> out;
    for_each_group([&out](pid_t pgid) { out.push_back(pgid); });
    return out;
  }

 private:
  struct Entry {
    pid_t pgid;
    int held;  // watches not yet released
  };
  Entry* find(pid_t pgid) {
    for (std::size_t i = 0; i < size_; ++i) {
      if (entries_[i].pgid == pgid) return &entries_[i];
    }
    return nullptr;
  }
  Entry* entries_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace ochopod::guardian
