// Random identifiers: a pod's uuid (docs/protocol.md 1) and the ids a
// leader gives the bodies of its rounds (runtime/control/body/body_ref.h).
//
// One source for both, so that every id of ours is drawn the same way: the
// kernel's generator (getrandom), from any thread.
#pragma once

#include <cstddef>
#include <string>

namespace ochopod {

// `digits` random lowercase hex digits.
std::string random_hex(size_t digits);

// A random version-4 UUID in canonical lowercase form (8-4-4-4-12).
std::string make_uuid4();

}  // namespace ochopod
