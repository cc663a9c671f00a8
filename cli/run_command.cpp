#include <cstdio>

#include "commands.h"

namespace ochopod::cli {

int run_command(int, char**) {
  std::fputs("ochopod run: not wired yet\n", stderr);
  return 2;
}

}  // namespace ochopod::cli
