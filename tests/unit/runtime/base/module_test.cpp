// load_module (runtime/base/module.h): a module that is nowhere says where it
// was looked for; the HTTP client's, built beside this test's binary, loads,
// and its entry refuses a binary of another build (runtime/http/backend.h);
// load_backend does both and says which went wrong. The gzip module's entry
// refuses another build too (runtime/upload/backend.h).
#include "runtime/base/module.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/http/backend.h"
#include "runtime/upload/backend.h"

namespace ochopod {
namespace {

TEST(LoadModule, AModuleThatIsNowhereNamesWhereItWasLookedFor) {
  std::string error;
  EXPECT_EQ(load_module("libochopod-nothing.so", &error), nullptr);
  EXPECT_NE(error.find("cannot load the module libochopod-nothing.so"), std::string::npos) << error;
  EXPECT_NE(error.find("/lib/ochopod/libochopod-nothing.so (absent)"), std::string::npos) << error;
  EXPECT_NE(error.find(std::string(OCHOPOD_MODULE_DIR_FOR_TESTS) + "/libochopod-nothing.so"),
            std::string::npos)
      << error;
}

TEST(LoadModule, TheHttpClientLoadsAndRefusesABinaryOfAnotherBuild) {
  std::string error;
  void* module = load_module(detail::kHttpModuleFile, &error);
  ASSERT_NE(module, nullptr) << error;
  EXPECT_EQ(load_module(detail::kHttpModuleFile, &error), module);  // loaded once
  EXPECT_EQ(module_symbol(module, "no_such_entry", &error), nullptr);
  EXPECT_NE(error.find("no_such_entry"), std::string::npos) << error;
  void* entry = module_symbol(module, detail::kHttpModuleEntry, &error);
  ASSERT_NE(entry, nullptr) << error;
  const auto call = reinterpret_cast<ModuleEntry<detail::HttpBackend>>(entry);
  auto abi = detail::http_backend_abi();
  EXPECT_NE(call(&abi), nullptr);
  abi.version = "0.0.0-another";
  EXPECT_EQ(call(&abi), nullptr);
  abi = detail::http_backend_abi();
  abi.sizes[0] += 8;  // HttpRequest
  EXPECT_EQ(call(&abi), nullptr);
  EXPECT_EQ(call(nullptr), nullptr);
}

TEST(LoadBackend, GivesTheBackendOfItsOwnBuildAndSaysWhyNotOfAnother) {
  std::string error;
  EXPECT_NE(load_backend<detail::HttpBackend>(detail::kHttpModuleFile, detail::kHttpModuleEntry,
                                              detail::http_backend_abi(), &error),
            nullptr)
      << error;
  auto abi = detail::http_backend_abi();
  abi.version = "0.0.0-another";
  EXPECT_EQ(load_backend<detail::HttpBackend>(detail::kHttpModuleFile, detail::kHttpModuleEntry,
                                              abi, &error),
            nullptr);
  EXPECT_NE(error.find("libochopod-http.so is from another build of ochopod than this binary "
                       "(0.0.0-another)"),
            std::string::npos)
      << error;
  EXPECT_EQ(load_backend<detail::HttpBackend>("libochopod-nothing.so", "entry",
                                              detail::http_backend_abi(), &error),
            nullptr);
  EXPECT_NE(error.find("cannot load the module libochopod-nothing.so"), std::string::npos) << error;
}

TEST(LoadBackend, TheGzipModuleIsOfThisBuildAndRefusesAnother) {
  std::string error;
  const auto* gzip = load_backend<detail::GzipBackend>(
      detail::kGzipModuleFile, detail::kGzipModuleEntry, detail::gzip_backend_abi(), &error);
  ASSERT_NE(gzip, nullptr) << error;
  std::string packed, unpacked;
  detail::GzipFailure failure;
  ASSERT_TRUE(gzip->gzip("twice twice twice", &packed, &failure)) << failure.message;
  ASSERT_TRUE(gzip->gunzip(packed, 100, &unpacked, &failure)) << failure.message;
  EXPECT_EQ(unpacked, "twice twice twice");
  EXPECT_FALSE(gzip->gunzip(packed, 5, &unpacked, &failure));
  EXPECT_TRUE(failure.too_large) << failure.message;
  auto abi = detail::gzip_backend_abi();
  abi.sizes[1] += 8;  // GzipFailure
  EXPECT_EQ(load_backend<detail::GzipBackend>(detail::kGzipModuleFile, detail::kGzipModuleEntry,
                                              abi, &error),
            nullptr);
  EXPECT_NE(error.find("libochopod-gzip.so is from another build"), std::string::npos) << error;
}

// Whether the ELF file at path has a thread-local storage segment.
bool has_tls_segment(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr header{};
  in.read(reinterpret_cast<char*>(&header), sizeof header);
  EXPECT_TRUE(in && std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0) << path << " is not ELF";
  for (int i = 0; in && i < header.e_phnum; ++i) {
    Elf64_Phdr segment{};
    in.seekg(static_cast<std::streamoff>(header.e_phoff + i * header.e_phentsize));
    in.read(reinterpret_cast<char*>(&segment), sizeof segment);
    if (in && segment.p_type == PT_TLS) return true;
  }
  return false;
}

// A thread_local in a module is dynamic TLS: every access calls
// __tls_get_addr, and GCC 12's LeakSanitizer misreads its range when the
// process exits ("Tracer caught signal 11", in any test whose process had
// loaded the HTTP client). No module of ours has one.
TEST(LoadModule, NoModuleOfOursHasThreadLocalStorage) {
  const auto dir = std::filesystem::path(OCHOPOD_BIN).parent_path() / ".." / "lib" / "ochopod";
  int modules = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".so") continue;
    ++modules;
    EXPECT_FALSE(has_tls_segment(entry.path())) << entry.path() << " has thread-local storage";
  }
  EXPECT_GE(modules, 4) << "the modules were not found in " << dir;
}

}  // namespace
}  // namespace ochopod
