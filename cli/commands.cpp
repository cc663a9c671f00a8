#include "cli/commands.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "build_info.h"  // generated (cli/CMakeLists.txt)
#include "cli/ops/commands.h"

namespace ochopod::cli {

namespace {
std::string usage() {
  return "usage: ochopod <command> [options]\n"
         "       ochopod --version\n"
         "\n"
         "commands:\n"
         "  run [options] -- <command...>   run a command as a pod (see ochopod run --help)\n"
         "  servo <url> <dir> <script...>   upload scripts to a servo pod and run them\n"
         "  ui [options]                    the live operator dashboard (ochopod ui --help)\n"
         "\n"
         "operator commands (ZooKeeper from --zk or $OCHOPOD_ZK; ochopod <command> --help):\n" +
         ops_commands_usage();
}
}  // namespace

int dispatch(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(usage().c_str(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  if (command == "--version") {
    std::printf("ochopod %s (commit %s)\n", OCHOPOD_BUILD_VERSION, OCHOPOD_BUILD_COMMIT);
    return 0;
  }
  if (command == "run") return run_command(argc - 1, argv + 1);
  if (command == "ui") return ui_command(std::vector<std::string>(argv + 2, argv + argc));
  if (command == "servo") return servo_command(std::vector<std::string>(argv + 2, argv + argc));
  if (is_ops_command(command)) {
    return run_ops_command(command, std::vector<std::string>(argv + 2, argv + argc));
  }
  std::fprintf(stderr, "ochopod: unknown command '%s' (try ochopod --help)\n", command.c_str());
  return 2;
}

}  // namespace ochopod::cli
