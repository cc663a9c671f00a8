// The servo's own HTTP port: POST /run/<script>[+<script>...] with a signed
// .tgz, run by the pod's child process (`servo_pod --serve ...`, see main.cpp).
//
// serve() owns the process: it blocks SIGTERM/SIGINT, answers on an
// httplib thread pool, and returns when one of them arrives (the pod's stop),
// after killing whatever scripts still run. Uploads are handled one at a time:
// two CI jobs driving the same clusters at once would interleave their steps.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace servo {

struct ServeSettings {
  int port = 5000;
  std::string token_file;          // the servo's token (signatures, *.aes)
  std::string control_token_file;  // OCHOPOD_TOKEN for the scripts; empty: none
  std::string zk;                  // OCHOPOD_ZK for the scripts
  std::string bin_dir;             // put first on the scripts' PATH (where `ochopod` is)
  std::chrono::duration<double> script_timeout{600.0};
  size_t max_upload = size_t{16} << 20;  // bytes of .tgz; more is 413
};

// Returns the process's exit code: 0 after SIGTERM, 2 if it cannot start.
int serve(const ServeSettings& settings);

}  // namespace servo
