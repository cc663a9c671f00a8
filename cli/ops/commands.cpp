#include "cli/ops/commands.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>

#include "cli/ops/actions.h"
#include "cli/ops/args.h"
#include "cli/ops/report.h"
#include "cli/ops/zk.h"
#include "runtime/base/environment.h"
#include "runtime/base/parallel.h"
#include "runtime/http/client.h"

namespace ochopod::cli {

namespace {

constexpr size_t kThreads = 32;
constexpr size_t kLogLines = 20;
constexpr std::chrono::seconds kZkDeadline{10};

// Builds the per-pod action of one invocation; false with *error (a usage
// error) if the arguments cannot be acted upon (e.g. an unreadable -f file).
using MakeAction = std::function<bool(const OpsArgs&, PodAction*, std::string* error)>;

struct OpsCommand {
  const char* name;
  const char* synopsis;  // after "ochopod "
  const char* summary;   // one line
  const char* details;   // what it does and prints, the -j shape
  OpsSyntax syntax;
  PodReportStyle style;
  MakeAction make;
  bool per_cluster = false;  // ls: a line per cluster instead of per pod
};

Reach reach_of(const OpsArgs& args) { return {args.timeout, args.trust}; }

MakeAction simple(std::function<PodResult(const PodRecord&, const OpsArgs&)> act) {
  return [act](const OpsArgs& args, PodAction* action, std::string*) {
    *action = [act, args](const PodRecord& pod) { return act(pod, args); };
    return true;
  };
}

MakeAction control(const std::string& task) {
  return simple([task](const PodRecord& pod, const OpsArgs& args) {
    return control_action(pod, reach_of(args), task, args.body.value_or(""));
  });
}

bool make_exec(const OpsArgs& args, PodAction* action, std::string* error) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& path : args.files) {
    std::ifstream in(path, std::ios::binary);
    if (!std::filesystem::is_regular_file(path) || !in) {
      *error = "cannot read " + path;
      return false;
    }
    std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    files.emplace_back(std::filesystem::path(path).filename().string(), std::move(content));
  }
  std::string shell = args.tool;
  for (const auto& a : args.tool_args) shell += " " + a;
  *action = [args, shell, files](const PodRecord& pod) {
    return exec_action(pod, reach_of(args), shell, files);
  };
  return true;
}

constexpr OpsSyntax kGlobs{};
constexpr OpsSyntax kForced{Positionals::kGlobs, false, false, true};

const std::vector<OpsCommand>& commands() {
  static const std::vector<OpsCommand> table = {
      {"ls",
       "ls [options] [clusters...]",
       "clusters: running/total pods and the leader's status",
       "Asks every pod of each matching cluster for /info. RUNNING is how many pods\n"
       "run their process out of how many are registered; STATUS is the leader's.\n"
       "-j: {\"<ns>.<cluster>\": {\"total\": n, \"running\": n, \"status\": \"...\"}}\n",
       kGlobs,
       {},
       simple([](const PodRecord& p, const OpsArgs& a) { return info_action(p, reach_of(a)); }),
       true},
      {"poll",
       "poll [options] [clusters...]",
       "each pod's metrics (what its sanity check returned)",
       "-j: {\"<ns>.<cluster> #<seq>\": {<common>, \"metrics\": {...}}}\n",
       kGlobs,
       {{"METRICS"}},
       simple([](const PodRecord& p, const OpsArgs& a) { return poll_action(p, reach_of(a)); })},
      {"info",
       "info [options] [clusters...]",
       "each pod's state, process, status and address (and its jobs, when it has some)",
       "JOBS, shown when a pod has `ochopod run --job` sidecars, is <name>:<state>(<restarts>)\n"
       "for each of them.\n"
       "-j: {\"<ns>.<cluster> #<seq>\": {<common>, \"info\": {<the pod's /info>}}}\n",
       kGlobs,
       {{"STATE", "PROCESS", "STATUS", "ADDRESS", "JOBS"}, false, true},
       simple([](const PodRecord& p, const OpsArgs& a) { return info_action(p, reach_of(a)); })},
      {"log",
       "log [options] [clusters...]",
       "each pod's last 20 log lines (-l: the whole log)",
       "-j: {\"<ns>.<cluster> #<seq>\": {<common>, \"log\": [\"<line>\", ...]}}\n",
       {Positionals::kGlobs, true, false, false},
       {},
       simple([](const PodRecord& p, const OpsArgs& a) {
         return log_action(p, reach_of(a), a.whole ? 0 : kLogLines);
       })},
      {"port",
       "port [options] <n> [clusters...]",
       "where container port <n> is reachable on each pod",
       "ADDRESS is public:port, INTERNAL ip:port, port being where <n> is remapped.\n"
       "A pod that does not expose <n> counts as failed.\n"
       "-j: {\"<ns>.<cluster> #<seq>\": {<common>, \"ip\": \"...\", \"public\": \"...\",\n"
       "     \"port\": n, \"address\": \"<public>:<port>\"}}\n",
       {Positionals::kPortThenGlobs, false, false, false},
       {{"ADDRESS", "INTERNAL"}},
       simple([](const PodRecord& p, const OpsArgs& a) { return port_action(p, a.port); })},
      {"grep",
       "grep [options] [clusters...]",
       "the pods' addresses, from their registrations",
       "ADDRESS is ip:port of the control port; PORTS the container -> outside remappings.\n"
       "-j: {\"<ns>.<cluster> #<seq>\": {<common>, \"ip\": \"...\", \"public\": \"...\",\n"
       "     \"node\": \"...\", \"port\": n, \"address\": \"<ip>:<port>\",\n"
       "     \"ports\": {\"<n>\": n, ...}}}\n",
       kGlobs,
       {{"ADDRESS", "PUBLIC", "NODE", "PORTS"}},
       simple([](const PodRecord& p, const OpsArgs&) { return grep_action(p); })},
      {"on",
       "on [options] (-i <seq> | --force) [clusters...]",
       "start the pods' process (POST /control/on/<t>, no body)",
       "-j: {\"<ns>.<cluster> #<seq>\": {<common>, \"reply\": {...}}}\n",
       kForced,
       {{"RESULT", "REPLY"}},
       control("on")},
      {"off",
       "off [options] (-i <seq> | --force) [clusters...]",
       "stop the pods' process (POST /control/off/<t>, no body)",
       "-j: {\"<ns>.<cluster> #<seq>\": {<common>, \"reply\": {...}}}\n",
       kForced,
       {{"RESULT", "REPLY"}},
       control("off")},
      {"restart",
       "restart [options] (-i <seq> | --force) [clusters...]",
       "off then on, over HTTP: restarts the child (not the pod's /reset, which renews its "
       "ZooKeeper session)",
       "Each pod gets -t for off, then -t for on. `ochopod reset` is the old name, kept as "
       "an alias.\n"
       "-j: {\"<ns>.<cluster> #<seq>\": {<common>, \"reply\": {...}}}\n",
       kForced,
       {{"RESULT", "REPLY"}},
       simple([](const PodRecord& p, const OpsArgs& a) { return restart_action(p, reach_of(a)); })},
      {"kill",
       "kill [options] (-i <seq> | --force) [clusters...]",
       "stop the pods' process for good, they idle as dead (POST /control/kill/<t>)",
       "-j: {\"<ns>.<cluster> #<seq>\": {<common>, \"reply\": {...}}}\n",
       kForced,
       {{"RESULT", "REPLY"}},
       control("kill")},
      {"signal",
       "signal [options] (-i <seq> | --force) [-s <SIG> | json] [clusters...]",
       "call the pods' signal callback, with the JSON object as body",
       "A first argument starting with '{' is the body (a JSON object). -s <SIG> sends\n"
       "{\"signal\": \"SIG<NAME>\"} instead: an `ochopod run` pod sends that Unix signal to\n"
       "its child's process group and answers {\"signal\": \"SIG<NAME>\", \"pid\": <pgid>}.\n"
       "-j: {\"<ns>.<cluster> #<seq>\": {<common>, \"reply\": {<the callback's answer>}}}\n",
       {Positionals::kJsonThenGlobs, false, false, true, true},
       {{"RESULT", "REPLY"}},
       control("signal")},
      {"exec",
       "exec [options] [-f <file>]... <tool> [args...]",
       "run a tool on each pod (POST /exec), uploading the -f files",
       "Clusters are picked with -c only. Put tool arguments that start with '-'\n"
       "after --. A pod succeeds when it answers 200 and the tool's code is 0;\n"
       "an unknown tool is HTTP 404.\n"
       "-j: {\"<ns>.<cluster> #<seq>\": {<common>, \"code\": n, \"stdout\": [\"<line>\", ...]}}\n",
       {Positionals::kToolThenArgs, false, true, false},
       {{}, true},
       make_exec},
  };
  return table;
}

const OpsCommand* find(const std::string& name) {
  // `reset` is an alias of `restart` (docs/operating.md).
  const std::string& wanted = name == "reset" ? std::string("restart") : name;
  for (const auto& c : commands()) {
    if (wanted == c.name) return &c;
  }
  return nullptr;
}

std::string help(const OpsCommand& c) {
  std::string h = std::string("usage: ochopod ") + c.synopsis + "\n\n" + c.summary + ".\n\n" +
                  c.details +
                  "<common>: \"ok\": bool, \"http\": <status> (when the pod was called),\n" +
                  "          \"error\": \"...\" (when not ok, e.g. \"no answer (...)\").\n\n" +
                  ops_options_help(c.syntax) +
                  "\n"
                  "Clusters are globs matched against <namespace>.<cluster> (default *).\n"
                  "Each pod gets -t seconds to answer (control calls: /control/<task>/<t>, the\n"
                  "client waiting 1.25 t). Exit status: 0 every pod succeeded, 1 a pod failed\n"
                  "or did not answer (or ZooKeeper could not be read, or no pod matched),\n"
                  "2 usage error.\n";
  return h;
}

int usage_error(const OpsCommand& c, const std::string& error) {
  std::fprintf(stderr, "ochopod %s: %s (try ochopod %s --help)\n", c.name, error.c_str(), c.name);
  return 2;
}

}  // namespace

bool is_ops_command(const std::string& name) { return find(name) != nullptr; }

int run_ops_command(const std::string& name, const std::vector<std::string>& argv) {
  const OpsCommand* c = find(name);
  if (c == nullptr) return 2;
  const auto parsed = parse_ops_args(c->syntax, argv, read_environment());
  if (!parsed.args) return usage_error(*c, parsed.error);
  const OpsArgs& args = *parsed.args;
  if (args.help) {
    std::fputs(help(*c).c_str(), stdout);
    return 0;
  }
  PodAction action;
  std::string error;
  if (!c->make(args, &action, &error)) return usage_error(*c, error);

  // A pod closing the connection while we still send (e.g. refusing an
  // oversized upload) must fail that call, not kill the whole command.
  std::signal(SIGPIPE, SIG_IGN);
  const auto inventory = read_inventory(args.zk, args.globs, kZkDeadline, &error);
  if (!inventory) {
    std::fprintf(stderr, "ochopod %s: %s\n", c->name, error.c_str());
    return 1;
  }
  const auto pods = pick(inventory->pods, args.seqs);
  std::vector<PodResult> results(pods.size());
  parallel_for(pods.size(), kThreads, [&](size_t i) { results[i] = action(pods[i]); });

  const std::string out = c->per_cluster
                              ? render_clusters(inventory->clusters, pods, results, args.json)
                              : render_pods(pods, results, c->style, args.json);
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
  // The per-cluster table only counts failures: say each one.
  if (c->per_cluster) {
    for (size_t i = 0; i < pods.size(); ++i) {
      if (!results[i].ok) {
        std::fprintf(stderr, "%s: %s\n", pods[i].key().c_str(), results[i].error.c_str());
      }
    }
  }
  if (pods.empty() && !c->per_cluster) {
    std::fprintf(stderr, "ochopod %s: no pod matches\n", c->name);
    return 1;
  }
  for (const auto& r : results) {
    if (!r.ok) return 1;
  }
  return 0;
}

std::string ops_commands_usage() {
  std::string out;
  for (const auto& c : commands()) {
    std::string left = std::string("  ") + c.name;
    left.resize(10, ' ');
    out += left + c.summary + "\n";
  }
  return out;
}

}  // namespace ochopod::cli
