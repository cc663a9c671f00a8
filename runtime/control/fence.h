// Fencing of the leader's /control requests (docs/protocol.md 7, "A fenced
// leader"): our leader sends X-Ochopod-Fence, the czxid of its lock node,
// which grows with every leadership; the pod refuses a request whose fence
// is below the highest it accepted, so a deposed leader that has not noticed
// yet cannot configure it after its successor did.
//
// The control server holds one FenceGate (a pod belongs to one cluster) and
// asks it on its I/O thread, from a /control request's header, before the
// body is read; only that thread touches it, so it needs no lock. A request
// without the header (a Python leader, an operator's `ochopod on`) passes
// and leaves the highest as it is.
//
// Fences are zxids, which never go backwards in one ZooKeeper history; a
// history that starts over (an ensemble rebuilt without its data) starts
// zxids over too. The pod sees that when it registers again: its new node's
// czxid is below the highest fence it took. The coordinator then has the
// control server call restart_below(), and fences start over with it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ochopod {

inline constexpr char kFenceHeader[] = "X-Ochopod-Fence";

// A fence as the header writes it: a decimal uint64, the whole text.
std::optional<uint64_t> parse_fence(std::string_view text);

class FenceGate {
 public:
  struct Verdict {
    int status = 200;               // 200, 400 (not a fence) or 409 (below the highest)
    std::optional<uint64_t> fence;  // the request's, when it carried one that parses
    uint64_t highest = 0;           // the highest accepted, this request's included
  };

  // header: the request's X-Ochopod-Fence, nullopt when it has none. An equal
  // or higher fence passes (one leader sends many requests) and becomes the
  // highest; a lower one gets 409.
  Verdict admit(std::optional<std::string_view> header);
  uint64_t highest() const { return highest_; }
  // zxid: the czxid of the pod's new registration. A highest fence above it
  // is from an earlier history: forgotten (true), so its new leaders pass.
  bool restart_below(uint64_t zxid);

 private:
  uint64_t highest_ = 0;
};

}  // namespace ochopod
