// TemplateFiles: the `ochopod run --template <src>:<dst>` files (docs/run.md,
// "Templates"). Sources are read once, at boot; render() renders them all
// against a configuration's view (ochopod/template.h) and writes the outputs
// that changed, atomically, with their source's mode. All or nothing: a
// template that fails leaves every destination as it was.
//
// Built by cli/run/command.cpp before the pod starts; render() is called by
// its lifecycle (configure(), reconfigure()) on the lifecycle thread.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ochopod::detail {

struct TemplateSpec {
  std::string source, destination;
};

// "<src>:<dst>", split at the first ':'; nullopt if either side is empty.
std::optional<TemplateSpec> parse_template_spec(const std::string& spec);

class TemplateFiles {
 public:
  // Reads each source and checks its Mustache syntax. Throws
  // std::runtime_error naming the source that cannot be used.
  explicit TemplateFiles(const std::vector<TemplateSpec>& specs);

  // Renders every template against `view`; throws std::runtime_error (naming
  // the template and the tag) before anything is written. Then writes each
  // output that differs from that file's last render (every one, the first
  // time). Returns the destinations written.
  std::vector<std::string> render(const nlohmann::json& view);

  bool empty() const { return files_.empty(); }

 private:
  struct File {
    TemplateSpec spec;
    std::string text;
    mode_t mode = 0644;
    std::optional<std::string> last;  // what was last written
  };
  std::vector<File> files_;
};

}  // namespace ochopod::detail
