// Signals by name: the one parser for every option or variable that names a
// signal (`ochopod run --stop-signal`, and any other such option).
//
// Pure functions, any thread. Accepts `SIGTERM`, `TERM` (any case) or a
// number (`15`) of the standard Linux signals; nothing else.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ochopod {

// The signal number, or nullopt for anything that is not a standard signal.
std::optional<int> parse_signal_name(std::string_view text);

// "SIGTERM" for 15; "signal <n>" for a number without a name.
std::string signal_name(int signo);

}  // namespace ochopod
