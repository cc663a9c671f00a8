// An env file as `ochopod run --env-file` and the Piped model's env_files
// read it (parse_env_file): KEY=VALUE lines, comments, export, quotes.
// Input: the file's bytes.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.h"
#include "models/child/child_environment.h"

using ochopod::fuzz::check;

namespace {

constexpr std::string_view kOrigin = "fuzz.env";

// What an error may say after "fuzz.env:<line>: ": fixed texts only, so no
// byte of the file (which may hold secrets) ever reaches a message.
const std::vector<std::string_view> kProblems = {
    "NUL byte",
    "not KEY=VALUE (no '=')",
    "the name before '=' is not a variable name (letters, digits, _; no digit first)",
    "unterminated double quote",
    "unterminated single quote",
    "text after the closing quote",
};

bool valid_name(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = ochopod::detail::parse_env_file(text, kOrigin);
  if (!parsed.error.empty()) {
    check(parsed.env.empty(), "nothing from a file with an error");
    const std::string head = std::string(kOrigin) + ":";
    check(parsed.error.rfind(head, 0) == 0, "an error names the file first");
    const size_t colon = parsed.error.find(": ", head.size());
    check(colon != std::string::npos, "then the line");
    const std::string number = parsed.error.substr(head.size(), colon - head.size());
    check(!number.empty() && number.find_first_not_of("0123456789") == std::string::npos,
          "the line is a number");
    check(
        std::stoul(number) >= 1 && std::stoul(number) <= ochopod::fuzz::lines_of(data, size).size(),
        "the line is one of the file's");
    const std::string_view problem = std::string_view(parsed.error).substr(colon + 2);
    bool known = false;
    for (const auto p : kProblems) known = known || problem == p;
    check(known, "an error quotes nothing of the file");
    return 0;
  }
  for (const auto& [name, value] : parsed.env) {
    check(valid_name(name), "every name is a variable name");
    check(value.find('\n') == std::string::npos, "a value is one line");
    check(value.find('\0') == std::string::npos, "a value holds no NUL");
  }
  // Written back quoted, the variables parse back to themselves.
  std::string again;
  for (const auto& [name, value] : parsed.env) {
    if (value.find('\'') == std::string::npos) {
      again += name + "='" + value + "'\n";
    } else if (value.find('"') == std::string::npos) {
      again += "export " + name + "=\"" + value + "\"\n";
    } else {
      return 0;  // both quotes: not writable in this syntax, which has no escapes
    }
  }
  const auto reparsed = ochopod::detail::parse_env_file(again, kOrigin);
  check(reparsed.error.empty() && reparsed.env == parsed.env,
        "what was read, written back quoted, reads the same");
  return 0;
}
