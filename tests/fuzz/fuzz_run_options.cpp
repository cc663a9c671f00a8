// `ochopod run`'s arguments and their ochopod_* environment twins
// (cli/run/options.h parse_run_options, read_environment), and the --tool
// specs they accept as CommandTool reads them.
//
// Input: one item per line. A line starting with '$' is an environment entry
// ("$ochopod_grace=5", without the '$'), any other line is an argument.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/run/options.h"
#include "fuzz_support.h"
#include "models/tools/command_tools.h"
#include "runtime/base/numbers.h"

using namespace ochopod::cli;
using ochopod::fuzz::check;

namespace {

bool duration_ok(double d) { return std::isfinite(d) && d >= 0; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args;
  std::vector<std::string> entries;
  for (auto& line : ochopod::fuzz::lines_of(data, size)) {
    if (!line.empty() && line[0] == '$') {
      entries.push_back(line.substr(1));
    } else {
      args.push_back(std::move(line));
    }
  }
  // environ as the pod gets it: NUL-terminated entries, then a null pointer.
  std::vector<char*> envp;
  for (auto& e : entries) envp.push_back(e.data());
  envp.push_back(nullptr);
  const auto env = ochopod::read_environment(envp.data());

  const ParseResult parsed = parse_run_options(args, env);
  if (!parsed.options) {
    check(parsed.error.rfind("ochopod run: ", 0) == 0, "an error names the command");
    return 0;
  }
  const RunOptions& o = *parsed.options;
  check(o.help || !o.argv.empty(), "a command unless --help");
  check(duration_ok(o.session_timeout) && duration_ok(o.check_every) && duration_ok(o.grace) &&
            duration_ok(o.damper) && duration_ok(o.control_timeout) && duration_ok(o.probe_every),
        "durations are finite and >= 0");
  check(o.checks >= 0, "checks >= 0");
  for (const auto& h : o.health) {
    check(h.rfind("http://", 0) == 0 || h.rfind("tcp:", 0) == 0, "health specs are validated");
  }
  // cli/run/command.cpp builds a CommandTool per spec without a try: the options
  // parser's word is all it has.
  for (const auto& t : o.tools) {
    check(t.find('=') != std::string::npos && t[0] != '=', "tool specs are <tag>=<command>");
    try {
      ochopod::CommandTool tool(t);
    } catch (const std::invalid_argument&) {
      check(false, "a tool spec the options accept makes a CommandTool");
    }
  }
  // cli/run/command.cpp reads the jobs, their readiness, the periodic
  // jobs, the restarts and the codes without a check of its own.
  check(duration_ok(o.start_period) && duration_ok(o.job_grace) &&
            duration_ok(o.periodic_timeout) && duration_ok(o.hook_timeout),
        "process-manager durations are finite and >= 0");
  for (const auto* list : {&o.jobs, &o.job_ready}) {
    for (const auto& job : *list) check(parse_named(job).has_value(), "jobs are <name>=<value>");
  }
  for (const auto& job : o.periodic) {
    const auto named = parse_named(job);
    check(named && parse_periodic(named->value).has_value(),
          "periodic jobs are <name>=<seconds>:<command>");
    if (named) {
      const auto value = parse_periodic(named->value);
      check(value && std::isfinite(value->every) && value->every >= 0.1, "periods are >= 0.1 s");
    }
  }
  if (o.max_restarts) {
    check(ochopod::parse_integer<int>(*o.max_restarts).value_or(-1) >= 0,
          "--max-restarts is a whole number");
  }
  for (const auto& code : o.success_codes) {
    const int n = ochopod::parse_integer<int>(code).value_or(-1);
    check(n >= 0 && n <= 255, "success codes are 0-255");
  }
  if (o.binding) {
    check(*o.binding == "marathon" || *o.binding == "kubernetes" || *o.binding == "local" ||
              *o.binding == "solo",
          "bindings are validated");
  }
  if (o.zk_acl) {
    check(*o.zk_acl == "open" || *o.zk_acl == "read" || *o.zk_acl == "private",
          "ZooKeeper ACL choices are validated");
  }
  return 0;
}
