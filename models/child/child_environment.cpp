#include "models/child/child_environment.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "runtime/base/text.h"
#include "runtime/base/unique_fd.h"

namespace ochopod::detail {

namespace {

constexpr std::string_view kBlanks = " \t";

bool valid_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The value part of a line; nullopt with *problem set when it is malformed.
std::optional<std::string_view> parse_value(std::string_view raw, std::string* problem) {
  const std::string_view value = trim(raw, kBlanks);
  if (value.empty() || (value[0] != '\'' && value[0] != '"')) return value;
  const char quote = value[0];
  const size_t close = value.find(quote, 1);
  if (close == std::string_view::npos) {
    *problem = quote == '"' ? "unterminated double quote" : "unterminated single quote";
    return std::nullopt;
  }
  if (close + 1 != value.size()) {
    *problem = "text after the closing quote";
    return std::nullopt;
  }
  return value.substr(1, close - 1);
}

// The whole file, at most kMaxEnvFileBytes; nullopt with *error set
// ("<what>: ..."), never naming the contents.
std::optional<std::string> read_small_file(const std::string& path, const std::string& what,
                                           std::string* error) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    *error = what + ": cannot open '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = what + ": cannot read '" + path + "': " + std::strerror(errno);
      return std::nullopt;
    }
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxEnvFileBytes) {
      *error = what + ": '" + path + "' is larger than " +
               std::to_string(kMaxEnvFileBytes / 1024 / 1024) + " MiB";
      return std::nullopt;
    }
  }
}

}  // namespace

EnvResult parse_env_file(std::string_view text, std::string_view origin) {
  EnvResult result;
  size_t number = 0;
  auto fail = [&](const std::string& problem) {
    result.env.clear();
    result.error = std::string(origin) + ":" + std::to_string(number) + ": " + problem;
    return result;
  };
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // An environment cannot hold a NUL: execve would cut the value there.
    if (line.find('\0') != std::string_view::npos) return fail("NUL byte");
    line = trim(line, kBlanks);
    if (line.empty() || line[0] == '#') continue;
    if (line.substr(0, 7) == "export " || line.substr(0, 7) == "export\t") {
      line = trim(line.substr(7), kBlanks);
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return fail("not KEY=VALUE (no '=')");
    const std::string_view key = line.substr(0, eq);
    if (!valid_name(key)) {
      return fail(
          "the name before '=' is not a variable name (letters, digits, _; no digit first)");
    }
    std::string problem;
    const auto value = parse_value(line.substr(eq + 1), &problem);
    if (!value) return fail(problem);
    result.env.emplace_back(std::string(key), std::string(*value));
  }
  return result;
}

EnvResult read_child_environment(const std::vector<std::string>& env_files,
                                 const std::vector<std::string>& file_env_names,
                                 const Environment& pod_env) {
  EnvResult result;
  auto fail = [&](std::string error) {
    result.env.clear();
    result.error = std::move(error);
    return result;
  };
  for (const auto& path : env_files) {
    std::string error;
    const auto text = read_small_file(path, "env file", &error);
    if (!text) return fail(error);
    EnvResult file = parse_env_file(*text, path);
    if (!file.error.empty()) return fail("env file " + file.error);
    for (auto& pair : file.env) result.env.push_back(std::move(pair));
  }
  for (const auto& name : file_env_names) {
    if (!valid_name(name)) return fail("file env: '" + name + "' is not a variable name");
    const std::string file_name = name + "_FILE";
    const auto it = pod_env.find(file_name);
    if (it == pod_env.end()) return fail(file_name + " is not set (file env names " + name + ")");
    std::string error;
    auto contents = read_small_file(it->second, file_name, &error);
    if (!contents) return fail(error);
    if (!contents->empty() && contents->back() == '\n') {
      contents->pop_back();
      if (!contents->empty() && contents->back() == '\r') contents->pop_back();
    }
    if (contents->find('\0') != std::string::npos) {
      return fail(file_name + ": '" + it->second + "' holds a NUL byte, which no variable can");
    }
    result.env.emplace_back(name, std::move(*contents));
  }
  return result;
}

}  // namespace ochopod::detail
