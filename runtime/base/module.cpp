#include "runtime/base/module.h"

#include <dlfcn.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>
#include <vector>

#ifndef OCHOPOD_MODULE_DIR
#error "OCHOPOD_MODULE_DIR must name the directory the modules are installed to"
#endif

namespace ochopod {

namespace {

std::vector<std::string> candidates(const std::string& file_name) {
  std::vector<std::string> out;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back((exe.parent_path() / ".." / "lib" / "ochopod" / file_name).string());
  out.push_back(std::string(OCHOPOD_MODULE_DIR) + "/" + file_name);
  return out;
}

}  // namespace

void* load_module(const std::string& file_name, std::string* error) {
  std::string why;
  for (const auto& path : candidates(file_name)) {
    if (::access(path.c_str(), F_OK) != 0) {
      why += (why.empty() ? "" : ", ") + path + " (absent)";
      continue;
    }
    // RTLD_NOW: a module that cannot be bound fails here, with a reason,
    // not later in the middle of a call. RTLD_LOCAL: its symbols (and the
    // libraries it brings) stay out of the way of the binary's.
    if (void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return handle;
    const char* reason = ::dlerror();
    why += (why.empty() ? "" : ", ") + path + " (" + (reason ? reason : "unknown error") + ")";
  }
  *error = "cannot load the module " + file_name + ": " + why;
  return nullptr;
}

std::string installed_program(const std::string& file_name, std::string* error) {
  std::string why;
  for (const auto& path : candidates(file_name)) {
    if (::access(path.c_str(), X_OK) == 0) return path;
    why += (why.empty() ? "" : ", ") + path +
           (::access(path.c_str(), F_OK) == 0 ? " (not executable)" : " (absent)");
  }
  *error = "cannot find the program " + file_name + ": " + why;
  return {};
}

void log_backend_missing(const char* what, const std::string& why) {
  spdlog::error("{}: {}", what, why);
}

void* module_symbol(void* module, const char* name, std::string* error) {
  ::dlerror();
  void* address = ::dlsym(module, name);
  if (address == nullptr) {
    const char* reason = ::dlerror();
    *error = std::string("the module has no ") + name + (reason ? std::string(": ") + reason : "");
  }
  return address;
}

}  // namespace ochopod
