// What a pod loads at start (issue 31, "A cheaper boot"; docs/internals.md,
// "What a pod costs at start"): cpp-httplib, and the libraries it brings,
// are a module loaded by the first request the pod sends, so a pod that
// calls nobody never maps them; one whose check calls a pod loads the module
// then, and the check works through it. Nor does the binary name Boost's
// compression libraries any more, nor OpenSSL: every call into it is the
// crypto module's (runtime/crypto/backend.h), which only TLS, tokens,
// credentials and signatures load, nor zlib: the gzip module's
// (runtime/upload/backend.h), nor kainjow's Mustache: the templates'
// (models/templates/backend.h). Solo pods: what is mapped is the pod's own.
#include <gtest/gtest.h>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>

#include "harness/cluster_probe.h"
#include "harness/ports.h"
#include "harness/run_capture.h"
#include "harness/smaps.h"
#include "harness/spawn.h"

namespace ochopod::test {
namespace {

using namespace std::chrono_literals;

std::string maps_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

bool maps(pid_t pid, const std::string& library) {
  return maps_of(pid).find(library) != std::string::npos;
}

// A solo pod that has led its cluster of one, configured, served /info and
// run checks for a window of several: none of libraries is mapped.
void expect_a_settled_pod_maps_none_of(std::initializer_list<const char*> libraries) {
  PodProcess pod(solo().with_option("--check-every=1").with_option("--sanity=true"));
  ASSERT_TRUE(wait_until([&] { return process_of(pod.control_port()) == "running"; }, 10s,
                         "the child running"));
  EXPECT_TRUE(stays_false([&] { return process_of(pod.control_port()) != "running"; },
                          2 * 3 * 1000ms, "the child stopping"));
  for (const char* library : libraries) {
    EXPECT_FALSE(maps(pod.pid(), library)) << library << " is mapped:\n" << maps_of(pod.pid());
  }
}

TEST(RunBoot, APodThatCallsNobodyNeverLoadsTheHttpClient) {
  expect_a_settled_pod_maps_none_of({"libcpp-httplib", "libochopod-http", "libbrotli",
                                     "libboost_iostreams", "libbz2", "liblzma", "libzstd"});
}

// A leader too: its rounds hash the snapshot with MD5, which is ours.
TEST(RunBoot, APodWithoutTlsTokensOrCredentialsNeverLoadsOpenSsl) {
  expect_a_settled_pod_maps_none_of({"libcrypto", "libssl", "libochopod-crypto"});
}

// Nor zlib: the ochopod command links ochopod::upload for `servo`, whose
// gzip is a module (runtime/upload/backend.h) loaded by the first archive.
TEST(RunBoot, APodThatTakesNoUploadsNeverLoadsZlib) {
  expect_a_settled_pod_maps_none_of({"libz.so", "libochopod-gzip"});
}

// Nor kainjow's Mustache, whose header starts the standard streams and the
// C++ locale in any program that links it: the renderer is a module
// (models/templates/backend.h) that only a pod with --template loads.
TEST(RunBoot, APodWithoutTemplatesNeverLoadsTheirRenderer) {
  expect_a_settled_pod_maps_none_of({"libochopod-mustache"});
}

// The binary itself starts no iostreams: no file of it includes <iostream>
// (a static std::ios_base::Init in each), which cost every exec the eight
// standard streams and the classic locale.
TEST(RunBoot, TheBinaryStartsNoIostreams) {
  const RunResult nm = run_capture({"nm", "-D", "--undefined-only", OCHOPOD_BIN}, 30s);
  ASSERT_TRUE(nm.exited_ok()) << nm.err;
  ASSERT_NE(nm.out.find("spdlog"), std::string::npos) << "nm listed nothing we know:\n" << nm.out;
  EXPECT_EQ(nm.out.find("_ZNSt8ios_base4InitC1Ev"), std::string::npos)
      << "something in " << OCHOPOD_BIN << " constructs std::ios_base::Init";
}

// After its first round a pod unmaps the code its boot ran
// (runtime/process/code_pages.h): most of its binary was mapped by the boot,
// little of it is after, and the pod runs on (checks, the child) on what it
// maps again (checks every second: on this 2-core VM a spawn right after
// the release has taken more than the 0.2 s a faster check would allow,
// with the binary of stop 43 too). Only code no other process maps is released, and ctest runs
// other pods of the same binary beside this one: then the pod keeps it and
// says why.
TEST(RunBoot, AfterItsFirstRoundAPodUnmapsTheCodeItsBootRan) {
  PodProcess pod(solo().with_option("--check-every=1").with_option("--sanity=true"));
  ASSERT_TRUE(wait_until([&] { return process_of(pod.control_port()) == "running"; }, 10s,
                         "the child running"));
  const std::string exe = executable_of(pod.pid());
  MappedKib code;
  bool kept = false;
  // The release comes 500 ms after the round.
  EXPECT_TRUE(wait_until(
      [&] {
        code = mapped_kib(pod.pid(), exe, "r-xp");
        kept = pod.output().find("the boot's code kept mapped: another process maps") !=
               std::string::npos;
        return kept || (code.size > 0 && code.resident * 2 < code.size);
      },
      5s, "less than half of the binary's code resident, or the code kept as shared"))
      << code.resident << " KiB resident of " << code.size << " KiB mapped";
  EXPECT_TRUE(stays_false([&] { return process_of(pod.control_port()) != "running"; },
                          2 * 3 * 1000ms, "the child stopping"));
  EXPECT_EQ(process_of(pod.control_port()), "running");
}

TEST(RunBoot, TheFirstRequestLoadsTheHttpClientAndItWorks) {
  const int port = free_port();
  PodProcess pod(solo()
                     .with_option("--check-every=0.3")
                     .with_option("--checks=2")
                     .with_option("--health=http://127.0.0.1:" + std::to_string(port) + "/")
                     .with_child({"/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1",
                                  std::to_string(port)}));
  ASSERT_TRUE(wait_until(
      [&] {
        return process_of(pod.control_port()) == "running" && http_get(port, "/").status == 200;
      },
      10s, "the child serving HTTP"));
  EXPECT_TRUE(wait_until([&] { return maps(pod.pid(), "libochopod-http.so"); }, 5s,
                         "the HTTP client's module loaded by the first --health http check"));
  EXPECT_TRUE(maps(pod.pid(), "libcpp-httplib")) << maps_of(pod.pid());
  // Checks through it pass: the child is never turned off (2 checks x 0.3 s, twice).
  EXPECT_TRUE(stays_false([&] { return process_of(pod.control_port()) != "running"; },
                          2 * 2 * 300ms, "the child turned off by a failing --health http check"));
}

}  // namespace
}  // namespace ochopod::test
