#include "models/templates/template_files.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "models/templates/atomic_file.h"
#include "ochopod/template.h"

namespace ochopod::detail {

std::optional<TemplateSpec> parse_template_spec(const std::string& spec) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) return std::nullopt;
  return TemplateSpec{spec.substr(0, colon), spec.substr(colon + 1)};
}

TemplateFiles::TemplateFiles(const std::vector<TemplateSpec>& specs) {
  for (const auto& spec : specs) {
    File file{spec, {}, 0644, std::nullopt};
    struct stat st {};
    if (::stat(spec.source.c_str(), &st) != 0) {
      throw std::runtime_error("template " + spec.source + ": " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) throw std::runtime_error("template " + spec.source + ": not a file");
    file.mode = st.st_mode & 07777;
    std::ifstream in(spec.source, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) throw std::runtime_error("template " + spec.source + ": cannot be read");
    file.text = text.str();
    check_template(file.text, spec.source);
    files_.push_back(std::move(file));
  }
}

std::vector<std::string> TemplateFiles::render(const nlohmann::json& view) {
  std::vector<std::string> outputs;
  outputs.reserve(files_.size());
  for (const auto& file : files_)
    outputs.push_back(render_template(file.text, view, file.spec.source));
  std::vector<std::string> written;
  for (size_t i = 0; i < files_.size(); ++i) {
    File& file = files_[i];
    if (file.last == outputs[i]) continue;
    write_file_atomically(file.spec.destination, outputs[i], file.mode);
    spdlog::info("template {}: wrote {} ({} bytes)", file.spec.source, file.spec.destination,
                 outputs[i].size());
    file.last = std::move(outputs[i]);
    written.push_back(file.spec.destination);
  }
  return written;
}

}  // namespace ochopod::detail
