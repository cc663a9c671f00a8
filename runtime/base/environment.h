// The pod's environment, read in one place.
//
// Bindings turn it into pod settings, `ochopod run` reads its options' twins
// from it, the operator commands take OCHOPOD_ZK from it. Read at boot on the
// main thread (environ is not synchronized: nobody in the pod calls setenv).
#pragma once

#include <map>
#include <string>

namespace ochopod {

using Environment = std::map<std::string, std::string>;

// NAME=value entries of envp (default: this process's environ). When a name
// is defined twice the first definition wins, as with getenv().
Environment read_environment(char** envp);
Environment read_environment();

}  // namespace ochopod
