#include "ochopod/reactive.h"

namespace ochopod {

// Only this file names the deprecated grace; users who still set it see the
// compiler's warning in their own code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Reactive::Reactive() = default;
Reactive::Reactive(const Reactive&) = default;
Reactive& Reactive::operator=(const Reactive&) = default;
Reactive::~Reactive() = default;

std::chrono::duration<double> Reactive::effective_control_timeout() const {
  return grace.count() > 0 ? grace : control_timeout;
}
#pragma GCC diagnostic pop

}  // namespace ochopod
