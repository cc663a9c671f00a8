// FakeTransport: the pods a leader's round talks to, scripted, for unit tests
// of the round (models/reactive/round.cpp, phase.cpp) without a network.
//
// By default a pod answers as one of ours: 200 to every task, and it keeps
// each body that came with an id (runtime/control/body/body_ref.h), says so,
// serves a reference or a diff's base while it holds that body and answers
// 412 otherwise. A script makes it a Python pod (200 and nothing about
// bodies), one that refuses diffs (400), one that forgot its body (412), a
// dead one (410 to check) or one that does not answer (no status). Every
// request that was sent is recorded, with its whole body.
//
// It speaks the runtime's HttpRequest/HttpAnswer only (the harness is below
// the models, tests/unit/house_test.py), so a test hands it to a round
// through a PodTransport of its own that calls send(). send() is called from
// the round's threads: the fake is thread-safe, and honours the request's
// cancel hook as the real client does (a request it refuses is never sent).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/http/client.h"

namespace ochopod::test {

class FakeTransport {
 public:
  struct Script {
    bool keeps_bodies = true;    // false: a Python pod
    bool refuses_diffs = false;  // 400 to a check that comes as a diff
    bool forgets = false;        // holds no body: 412 to every reference and diff
    // Per task ("check", "on"...): the status to answer instead of 200; 0
    // means no answer at all, as from a pod that is not there.
    std::map<std::string, int> status;

    static Script python_pod() {
      return with([](Script& s) { s.keeps_bodies = false; });
    }
    static Script refusing_diffs() {
      return with([](Script& s) { s.refuses_diffs = true; });
    }
    static Script forgetting() {
      return with([](Script& s) { s.forgets = true; });
    }
    static Script answering(const std::string& task, int status) {
      return with([&](Script& s) { s.status[task] = status; });
    }

   private:
    static Script with(const std::function<void(Script&)>& edit) {
      Script s;
      edit(s);
      return s;
    }
  };

  // One request as the pod got it.
  struct Sent {
    std::string url;
    std::string task;   // "check", "off", "on", "ok"
    std::string path;   // "/control/check/60"
    std::string body;   // the whole body, body_parts joined
    std::string id;     // X-Ochopod-Body-Id
    std::string ref;    // X-Ochopod-Body-Ref
    std::string base;   // X-Ochopod-Body-Base: a diff against that body
    std::string fence;  // X-Ochopod-Fence: the leader's, "" when it sent none
    int status = 0;     // what the pod answered
  };

  // The pod at url answers as `script` says (default: Script{}).
  void script(const std::string& url, Script script);

  HttpAnswer send(const std::string& url, const HttpRequest& request);

  std::vector<Sent> sent() const;  // in the order they were answered
  std::vector<Sent> sent_to(const std::string& url) const;
  std::vector<std::string> tasks_to(const std::string& url) const;
  // The most requests that were in flight at once.
  size_t max_in_flight() const;

  // Each request waits until `n` requests are in flight at once (once that
  // happened, none waits any more); after `limit`, they go on anyway, so a
  // round that never reaches n fails its test rather than hangs.
  void gather(size_t n, std::chrono::milliseconds limit = std::chrono::seconds(5));
  // Runs on the sending thread when a request has come, before its answer.
  std::function<void(const Sent&)> on_request;

 private:
  struct Pod {
    Script script;
    std::string held;  // the id of the body it kept
  };
  int answer(Pod& pod, const Sent& sent, std::string* kept) const;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Pod> pods_;
  std::vector<Sent> sent_;
  size_t in_flight_ = 0;
  size_t max_in_flight_ = 0;
  size_t gather_ = 0;  // 0: nobody waits
  std::chrono::milliseconds gather_limit_{0};
};

}  // namespace ochopod::test
