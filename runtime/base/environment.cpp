#include "runtime/base/environment.h"

#include <string_view>

extern char** environ;

namespace ochopod {

Environment read_environment(char** envp) {
  Environment env;
  for (; envp != nullptr && *envp != nullptr; ++envp) {
    const std::string_view entry = *envp;
    const auto eq = entry.find('=');
    if (eq != entry.npos)
      env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

Environment read_environment() { return read_environment(environ); }

}  // namespace ochopod
