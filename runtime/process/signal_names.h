// Signal names as users write them in options (`ochopod run --reload-signal
// SIGHUP`): `SIGHUP`, `HUP`, `hup` or the number `1`. The one parser of
// signal names in the pod; the options parser validates with it and
// `ochopod run` turns the value into a number with it. Pure, any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ochopod {

// The signal `text` names (with or without "SIG", any case, or its number
// 1..64), or nullopt.
std::optional<int> parse_signal_name(std::string_view text);

// "SIGHUP" for 1; "signal <n>" for a number without a name.
std::string signal_name(int signo);

}  // namespace ochopod
