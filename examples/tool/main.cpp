// tool: a pod exposing tools on POST /exec. `X-Shell: echo foo` answers
// {"code": 0, "stdout": ["your command was foo"]}. The stock `shell` tool is a
// remote shell: it is registered here because this example asks for it.
#include <ochopod/ochopod.h>

class Echo : public ochopod::Tool {
 public:
  std::string tag() const override { return "echo"; }
  ochopod::ToolResult body(const std::vector<std::string>& args,
                           const std::filesystem::path&) override {
    return {0, {"your command was " + (args.empty() ? std::string() : args.front())}};
  }
};

class Strategy : public ochopod::Piped {
 public:
  ochopod::Configuration configure(const ochopod::Cluster&) override { return {"sleep 3600"}; }
};

int main() {
  Strategy lifecycle;
  ochopod::Reactive model;
  ochopod::BootOptions options;
  options.tools.push_back(std::make_shared<Echo>());
  options.shell_tool = true;
  return ochopod::boot(lifecycle, model, options);
}
