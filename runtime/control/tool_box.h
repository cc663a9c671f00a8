// ToolBox: the tools a pod registered, and how an /exec call reaches one.
//
// Built at boot (boot() and `ochopod run` add the tools), then only read: the
// control server's handler calls run() for each /exec request. The Tool API
// itself is public (ochopod/tool.h); this is the machinery behind it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ochopod/tool.h"

namespace ochopod {

// An uploaded file of an /exec call (multipart field name -> content).
struct Upload {
  std::string name;
  std::string content;
};

struct ExecReply {
  int http_status = 200;  // 404 unknown tool, 400 bad request
  nlohmann::json body = nlohmann::json::object();
};

// The registered tools, and how an /exec call reaches one.
class ToolBox {
 public:
  // Refuses (false, logged) a tool without a tag or with a tag already taken.
  bool add(std::shared_ptr<Tool> tool);
  bool empty() const { return tools_.empty(); }

  // The tag of an X-Shell line ("" for a blank line).
  static std::string tag_of(const std::string& shell);
  bool has(const std::string& tag) const { return tools_.count(tag) != 0; }
  // The tool's timeout, shortened by the caller's if given. tag must exist.
  std::chrono::duration<double> timeout_of(
      const std::string& tag, std::optional<std::chrono::duration<double>> caller) const;

  // Runs one /exec call. 404 for an unknown tag, 400 for an upload name that
  // would leave the temp dir (absolute, "..", "/", NUL) or an empty header.
  // Blocks for up to the call's timeout (timeout_of) plus the tool's cleanup.
  ExecReply run(const std::string& shell, std::vector<Upload> uploads,
                std::optional<std::chrono::duration<double>> timeout = std::nullopt) const;

 private:
  std::map<std::string, std::shared_ptr<Tool>> tools_;
};

}  // namespace ochopod
