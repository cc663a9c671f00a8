// PayloadCache: the control port's last /control body, so the check, on and
// ok of one round, which carry the same bytes to a pod (the whole `pods`
// map), are read once rather than three times (docs/protocol.md 4;
// docs/internals.md, "How a request flows").
//
// A large body is validated by simdjson and kept as text (payload.h): no tree
// is built unless a controller asks for one. A small one is parsed by
// nlohmann at once, as is any text simdjson refuses (so nothing nlohmann
// accepts is refused).
//
// Owned by the ControlServer and used on its I/O thread only. It keeps one
// body: a round's phases reach a pod one after the other, and a new round
// brings new bytes.
//
// A kept body may carry the leader's id for it (body_ref.h): the next phases
// then name it instead of sending it again. `ok` ends a round: its body is
// kept only when the leader named it, as the base the next round's check
// may come as a diff against (body_diff.h). That is the one copy of its
// cluster an idle pod holds; a Python leader's
// `ok` leaves none. resolve() is that protocol, whole: the server hands it a
// /control request's task, body and headers and gets the body back.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/control/body/fast_json.h"
#include "runtime/control/body/payload.h"
#include "runtime/control/body/recycled_text.h"

namespace ochopod {

class PayloadCache {
 public:
  // Bodies smaller than this are parsed every time: not worth the memory.
  static constexpr size_t kMinCached = 4096;

  explicit PayloadCache(size_t min_cached = kMinCached) : min_cached_(min_cached) {}

  // What a /control request's headers say of its body (body_ref.h), as
  // given; empty when absent. An id that is not valid_id() is ignored.
  struct BodyHeaders {
    std::string_view id = {}, ref = {}, base = {};
  };
  struct Resolved {
    Payload body;       // null when the request had none, or when status is not 200
    int status = 200;   // else the answer to give at once: body_ref::kNotHeld or 400
    std::string error;  // then: why, for the log line after the request's path
    // The id the answer may report kept (body_ref::kKept), if it still
    // holds() it then; empty: none.
    std::string kept_id;
  };
  // The body of a /control request of that task: sent whole, named by a
  // reference (ref, no body) or given as a diff against a kept one (base).
  // Keeps it under its id unless it ends a round unnamed (an `ok` without
  // an id). After an `ok` it keeps, arms the timer to ready the spare.
  Resolved resolve(std::string_view task, std::string body, const BodyHeaders& headers);

  // How the owner runs fn once after delay on its own thread, in place of
  // what it armed before (the control server's I/O loop). Unset: the spare
  // is never readied.
  using Timer = std::function<void(std::chrono::milliseconds delay, std::function<void()> fn)>;
  void set_timer(Timer timer) { timer_ = std::move(timer); }
  // After a round's ok, before the spare is readied: long enough for every
  // pod's ok to be answered, so the pages it touches do not compete with
  // the round's end.
  static constexpr std::chrono::milliseconds kSpareDelay{1000};

  // The body as a Payload, or null when it is not JSON. The same bytes as
  // the last kept body give the same Payload; keep=false drops it. id: the
  // sender's id for these bytes (body_ref.h), empty if none.
  Payload parse(std::string body, bool keep, std::string_view id = {});

  // The kept body of that id, or null when it is not the one kept (the
  // caller answers body_ref::kNotHeld). keep=false drops it.
  Payload held(std::string_view id, bool keep);

  // The body a diff (body_diff.h) gives against the kept body of base_id,
  // kept under id unless keep=false. Null with *status the answer to give:
  // body_ref::kNotHeld when that body is not the one kept or is not one a
  // diff can edit (the leader then sends the body whole), 400 when the diff
  // is not one (*error says why). A refused diff leaves the kept body kept.
  Payload apply(std::string_view base_id, std::string diff, bool keep, std::string_view id,
                int* status, std::string* error);

  // An empty string with room for a large body of that size, to read it
  // into: the buffer of a body no longer held when there is one
  // (RecycledText), so a round's body lands in pages the pod has.
  std::string buffer(size_t size) { return texts_.take(size); }

  // Readies what the next round's diff needs: the buffer its body will be
  // written into (RecycledText::ready) and where the kept body's pods are.
  // The timer calls it while the pod idles after a round's ok.
  void ready_spare();

  // Whether the body kept now is the one of that id.
  bool holds(std::string_view id) const { return kept_ && !id.empty() && id == kept_id_; }

  uint64_t hits() const { return hits_; }

 private:
  void remember(Payload payload, std::string_view id,
                std::optional<std::vector<fast_json::MemberSpan>> members = std::nullopt);
  void forget();
  // Finds the kept body's pods members if not known yet; false when it has
  // none a diff can edit (then a later call scans again, which only a body
  // no ochopod leader wrote makes happen).
  bool index_kept();

  size_t min_cached_;
  RecycledText texts_;  // the large bodies' buffers, taking turns

  Payload kept_;  // always a text Payload
  std::string kept_id_;
  // Where the kept body's pods are, once a diff needed them.
  std::optional<std::vector<fast_json::MemberSpan>> kept_members_;
  // The list before, whose buffer the next diff's members are written into.
  std::vector<fast_json::MemberSpan> spare_members_;
  uint64_t hits_ = 0;
  Timer timer_;
  // Requests that carried a body or named one: a readying armed before the
  // last of them is not done (a round came first, as in a forming
  // cluster's back-to-back rounds).
  uint64_t bodies_seen_ = 0;
};

}  // namespace ochopod
