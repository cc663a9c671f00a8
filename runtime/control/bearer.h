// The control token's check: does an Authorization header carry the token?
//
// The control server calls it on its I/O thread for every request when the
// pod has a token (docs/protocol.md, "Security"). The comparison takes the
// same time whatever the header holds, so a caller cannot find the token a
// byte at a time by timing answers.
#pragma once

#include <string_view>

namespace ochopod {

// True only for exactly "Bearer <token>" (the scheme's case ignored, as
// HTTP says). An empty token matches nothing.
bool bearer_matches(std::string_view authorization, std::string_view token);

}  // namespace ochopod
