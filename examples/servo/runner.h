// Running an upload's scripts: decrypt its *.aes files, then run the named
// scripts in order from the upload's directory, stopping at the first
// failure, with their output collected line by line.
//
// The servo's HTTP handler (server.cpp) and its `run` tool (main.cpp) call
// run_upload(); it blocks the calling thread until the scripts are done or
// timed out. Scripts are started with posix_spawn (safe from a threaded
// process), each in its own process group, so a timeout kills everything a
// script started (stop_all_scripts() reaches them all when the servo
// stops).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace servo {

struct RunSettings {
  std::string token;                             // decrypts the *.aes files
  std::map<std::string, std::string> env;        // set for the scripts (OCHOPOD_ZK, PATH...)
  std::vector<std::string> unset;                // removed from the scripts' environment
  std::chrono::duration<double> timeout{600.0};  // per script
  size_t max_output = size_t{4} << 20;           // bytes of output kept, all scripts together
};

struct RunResult {
  bool ok = false;
  std::optional<std::string> failed;  // the script that failed, if one did
  int code = 0;                       // its exit code (128 + signal, 124: timed out)
  std::vector<std::string> out;       // stdout and stderr of the scripts, merged
};

// Splits "deploy.sh+test.sh" into script names.
std::vector<std::string> split_scripts(const std::string& joined);

// Decrypts dir's *.aes files, then runs scripts (names relative to dir, no
// "..") in order. A .py runs by python3, a .sh by /bin/sh, anything else must
// be executable.
RunResult run_upload(const std::filesystem::path& dir, const std::vector<std::string>& scripts,
                     const RunSettings& settings);

// SIGKILLs the process group of every script still running (their own
// groups are not the servo's, so the pod's stop would miss them) and makes
// every later start fail: the server calls it as it shuts down, so a call
// still queued cannot start a script nobody will stop.
void stop_all_scripts();

}  // namespace servo
