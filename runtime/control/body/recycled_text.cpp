#include "runtime/control/body/recycled_text.h"

#include <utility>

namespace ochopod {

std::string RecycledText::take(size_t size) {
  std::string text;
  {
    std::lock_guard<std::mutex> lock(spare_->mu);
    if (spare_->text.capacity() >= size) text = std::move(spare_->text);
    spare_->text = std::string();
  }
  text.clear();
  if (text.capacity() < size) text.reserve(size + size / 16);
  return text;
}

void RecycledText::ready(size_t size) {
  {
    std::lock_guard<std::mutex> lock(spare_->mu);
    if (spare_->text.capacity() >= size) return;
  }
  std::string text;
  text.resize(size + size / 16);  // written: every page faulted in now
  text.clear();
  std::lock_guard<std::mutex> lock(spare_->mu);
  if (text.capacity() > spare_->text.capacity()) spare_->text = std::move(text);
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
  if (owned->capacity() > spare->text.capacity()) spare->text = std::move(*owned);
}

}  // namespace ochopod
