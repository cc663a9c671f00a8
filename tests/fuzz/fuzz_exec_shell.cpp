// POST /exec as the pod reads it: the X-Shell line (tag, then the raw
// arguments a tool parses) and the uploads' multipart names, through
// ToolBox::run, with a tool that parses like `--tool` tools do
// (split_arguments) and answers its arguments, the shell-quoted words a
// CommandTool would run, and the uploads it finds in its directory.
//
// Input: the first line is the X-Shell value; each further line is an upload,
// "<name>\t<content>" (no tab: empty content).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "models/tools/command_tools.h"
#include "runtime/control/tool_box.h"

using ochopod::fuzz::check;
namespace fs = std::filesystem;

namespace {

class EchoTool final : public ochopod::Tool {
 public:
  std::string tag() const override { return "echo"; }
  std::vector<std::string> parse(const std::string& raw) const override {
    return ochopod::split_arguments(raw);
  }
  ochopod::ToolResult body(const std::vector<std::string>& args, const fs::path& cwd) override {
    ochopod::ToolResult result;
    for (const auto& a : args) {
      check(!a.empty() && a.find(' ') == std::string::npos, "arguments are words");
      result.lines.push_back(a);
      const std::string quoted = ochopod::shell_quote(a);
      check(quoted.size() >= a.size() + 2 && quoted.front() == '\'' && quoted.back() == '\'',
            "shell_quote quotes");
    }
    for (const auto& entry : fs::directory_iterator(cwd)) {
      check(entry.path().parent_path() == cwd, "uploads stay in the call's directory");
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream content;
      content << in.rdbuf();
      for (auto& line : ochopod::split_lines(content.str())) result.lines.push_back(line);
    }
    return result;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ochopod::fuzz::quiet_logs();
  static const ochopod::ToolBox box = [] {
    ochopod::ToolBox b;
    b.add(std::make_shared<EchoTool>());
    return b;
  }();
  auto lines = ochopod::fuzz::lines_of(data, size);
  if (lines.size() > 17) return 0;  // a few uploads say it all; files cost time
  const std::string shell = lines[0];
  std::vector<ochopod::Upload> uploads;
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto tab = lines[i].find('\t');
    uploads.push_back(
        {lines[i].substr(0, tab), tab == std::string::npos ? "" : lines[i].substr(tab + 1)});
  }
  const auto reply = box.run(shell, std::move(uploads));
  check(reply.http_status == 200 || reply.http_status == 400 || reply.http_status == 404,
        "/exec answers 200, 400 or 404");
  if (reply.http_status == 200) {
    check(reply.body.contains("code") && reply.body.contains("stdout"), "code and stdout");
    ochopod::fuzz::serializes([&] { (void)ochopod::fuzz::reply_text(reply.body); });
  }
  return 0;
}
