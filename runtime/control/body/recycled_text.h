// RecycledText: one spare buffer for the control port's large bodies, given
// back by the last holder of the body it carried.
//
// A pod of a large cluster builds a large body every round (body_diff.h).
// Written into fresh memory, each is page faults, each a zeroed page, and
// on a virtual machine that returns freed memory to its host, a host fault
// too: that was most of a round's check. Two buffers taking turns (the body
// kept, the spare being written) cost no fault after the first rounds, for
// one body's worth of idle memory. The spare a round will need is readied
// while the pod idles after the round before (PayloadCache::ready_spare).
// A buffer that must be new (the first body, a spare readied, a cluster
// that grew) has its pages populated in one call rather than faulted one
// by one as the body is written: on a virtual machine a fault is a trap
// that costs twenty times what populating a page does.
//
// Owned by the PayloadCache (control server's I/O thread), which takes the
// spare and shares the texts; the last Payload or Cluster holding a text may
// be on any thread, so the giving back is under a mutex.
#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace ochopod {

class RecycledText {
 public:
  RecycledText() : spare_(std::make_shared<Spare>()) {}

  // An empty string with room for at least size bytes, its first size
  // bytes populated: the spare when it has the room and is not over four
  // times that (then it is kept for a larger body; what a larger body
  // than its last grows into is populated, with a sixteenth more), else a
  // new one of twice that (the next rounds' bodies grow as pods join).
  std::string take(size_t size);
  // Makes sure the spare has room for size bytes, its pages touched, and
  // not over four times that (a cluster that shrank keeps no spare of its
  // old size): done while the pod idles, so that the next round's first
  // body does not pay for them.
  void ready(size_t size);
  // The spare's capacity, 0 when there is none.
  size_t spare_room() const;
  // text shared, its buffer given back here once the last holder is gone.
  std::shared_ptr<const std::string> share(std::string text) const;

 private:
  struct Spare {
    std::mutex mu;
    std::string text;
    size_t touched = 0;  // how much of text's buffer is known populated
  };
  struct GiveBack {
    std::weak_ptr<Spare> to;
    void operator()(std::string* text) const;
  };
  std::shared_ptr<Spare> spare_;
};

}  // namespace ochopod
