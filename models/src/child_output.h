// ChildOutput: copies a child's merged stdout/stderr into the pod's log, one
// "[child] <line>" at info level per line (Piped's pipe_subprocess).
//
// PipedController owns one per child. A named thread ("child-output") reads
// until EOF; since a grandchild can keep the pipe open after the child itself
// is gone, stop() (and the destructor) does not wait for EOF: it takes what is
// already in the pipe, logs it and joins the thread, promptly.
#pragma once

#include <thread>

#include "unique_fd.h"

namespace ochopod::detail {

class ChildOutput {
 public:
  explicit ChildOutput(UniqueFd pipe);
  ~ChildOutput();
  ChildOutput(const ChildOutput&) = delete;
  ChildOutput& operator=(const ChildOutput&) = delete;

  // Drains what the pipe holds now, then ends the reader. Idempotent.
  void stop();

 private:
  void run();

  UniqueFd pipe_;
  UniqueFd wake_;  // eventfd: stop() -> run()
  std::thread thread_;
};

}  // namespace ochopod::detail
