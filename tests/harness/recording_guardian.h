// RecordingGuardian: the guardian's end of a socket pair, put in place of the
// pod's guardian (runtime/process/guardian.h) for unit tests of what the pod
// tells it, with the pid of each frame's sender (SO_PASSCRED). While one
// lives, the process' Guardian sends to it; it is not thread-safe, and only
// one may live at a time.
#pragma once

#include <sys/types.h>

#include <vector>

#include "runtime/process/guardian_wire.h"

namespace ochopod::test {

struct GuardianFrame {
  guardian::Message message;
  pid_t sender;
};

class RecordingGuardian {
 public:
  RecordingGuardian();
  ~RecordingGuardian();
  RecordingGuardian(const RecordingGuardian&) = delete;
  RecordingGuardian& operator=(const RecordingGuardian&) = delete;

  // The frames queued since the last call, oldest first; a frame that does
  // not decode or comes without its sender fails the test.
  std::vector<GuardianFrame> frames() const;

 private:
  int end_ = -1;
};

}  // namespace ochopod::test
