#include "harness/tls_files.h"

#include <sys/wait.h>

#include <chrono>
#include <vector>

#include "harness/run_capture.h"

namespace ochopod::test {

testing::AssertionResult TlsFiles::make() {
  const std::string ec = "ec:" + dir.file("curve.pem");
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"openssl", "ecparam", "-name", "prime256v1", "-out", dir.file("curve.pem")},
           {"openssl", "req", "-x509", "-newkey", ec, "-nodes", "-keyout", dir.file("ca.key"),
            "-out", ca(), "-days", "2", "-subj", "/CN=ochopod test CA"},
           {"openssl", "req", "-newkey", ec, "-nodes", "-keyout", key(), "-out",
            dir.file("pod.csr"), "-subj", "/CN=some pod"},
           {"openssl", "x509", "-req", "-in", dir.file("pod.csr"), "-CA", ca(), "-CAkey",
            dir.file("ca.key"), "-CAcreateserial", "-out", cert(), "-days", "2"}}) {
    std::vector<std::string> with_path = argv;
    with_path[0] = "/usr/bin/openssl";
    const RunResult r = run_capture(with_path, std::chrono::seconds(30));
    if (!r.status || !WIFEXITED(*r.status) || WEXITSTATUS(*r.status) != 0) {
      return testing::AssertionFailure() << argv[1] << " failed: " << r.err;
    }
  }
  return testing::AssertionSuccess();
}

}  // namespace ochopod::test
