#include "runtime/control/body/recycled_text.h"

#include <algorithm>
#include <utility>

#include "runtime/base/fresh_pages.h"

namespace ochopod {

namespace {

// A new buffer's size for a body of `size`: twice that, so that a cluster
// growing pod by pod (a deploy's arrivals) needs a new buffer each time it
// doubles rather than every few rounds. Each new buffer is fresh memory,
// every page of it zeroed by the kernel: with a sixteenth more, a pod that
// saw a cluster grow to a thousand took many times the body's size in
// fresh pages (bench/README.md). The room beyond `size` is reserved, not
// populated, so it costs no memory until a body grows into it.
size_t with_room(size_t size) { return 2 * size; }

// Whether a buffer of `room` suits a body of `size`: large enough, and not
// over four times larger (a diff leaves such a buffer for the body it
// gives; a cluster that shrank gets a smaller one when the pod idles).
bool suits(size_t room, size_t size) { return room >= size && room / 4 <= size; }

}  // namespace

std::string RecycledText::take(size_t size) {
  std::string text;
  size_t touched = 0;
  {
    std::lock_guard<std::mutex> lock(spare_->mu);
    const size_t room = spare_->text.capacity();
    // A body far smaller than the spare leaves it for the body that needs
    // it: a round's diff is read before the body it gives is written, and
    // when the diff took the spare (at a thousand pods it is over 4 KiB),
    // that body needed a new buffer every round.
    if (suits(room, size)) {
      text = std::move(spare_->text);
      touched = spare_->touched;
      spare_->text = std::string();
      spare_->touched = 0;
    } else if (room < size) {
      spare_->text = std::string();
      spare_->touched = 0;
    }
  }
  text.clear();
  if (text.capacity() < size) {
    text.reserve(with_room(size));
    populate_for_write(text.data(), size);
  } else if (touched < size) {
    // A body larger than the last this buffer held (a deploy's arrivals
    // grow the cluster between rounds): the pages it grows into, and a
    // sixteenth more for the rounds after, in one call rather than a few
    // faults every round.
    populate_for_write(text.data() + touched,
                       std::min(text.capacity(), size + size / 16) - touched);
  }
  return text;
}

void RecycledText::ready(size_t size) {
  {
    std::lock_guard<std::mutex> lock(spare_->mu);
    if (suits(spare_->text.capacity(), size)) return;
  }
  std::string text;
  text.reserve(with_room(size));
  // The next body is likely a little larger: pods join between rounds.
  if (!populate_for_write(text.data(), size + size / 16)) {
    text.resize(size + size / 16);  // written: every page faulted in now
    text.clear();
  }
  std::lock_guard<std::mutex> lock(spare_->mu);
  // Unless a body given back meanwhile suits as well.
  if (!suits(spare_->text.capacity(), size)) {
    spare_->text = std::move(text);
    spare_->touched = size + size / 16;
  }
}

size_t RecycledText::spare_room() const {
  std::lock_guard<std::mutex> lock(spare_->mu);
  return spare_->text.capacity() > std::string().capacity() ? spare_->text.capacity() : 0;
}

std::shared_ptr<const std::string> RecycledText::share(std::string text) const {
  auto owned = std::make_unique<std::string>(std::move(text));
  return std::shared_ptr<const std::string>(owned.release(), GiveBack{spare_});
}

void RecycledText::GiveBack::operator()(std::string* text) const {
  const std::unique_ptr<std::string> owned(text);
  const auto spare = to.lock();
  if (!spare) return;
  std::lock_guard<std::mutex> lock(spare->mu);
  if (owned->capacity() > spare->text.capacity()) {
    spare->touched = owned->size();  // written, so its pages are in
    spare->text = std::move(*owned);
  }
}

}  // namespace ochopod
