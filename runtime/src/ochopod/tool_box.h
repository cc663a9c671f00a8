// ToolBox: the tools a pod registered, and how an /exec call reaches one.
//
// Built at boot (boot() and `ochopod run` add the tools), then only read: the
// control server's handler calls run() for each /exec request. The Tool API
// itself is public (ochopod/tool.h); this is the machinery behind it.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
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

  // Runs one /exec call. 404 for an unknown tag, 400 for an upload name that
  // would leave the temp dir (absolute, "..", "/", NUL) or an empty header.
  ExecReply run(const std::string& shell, std::vector<Upload> uploads) const;

 private:
  std::map<std::string, std::shared_ptr<Tool>> tools_;
};

}  // namespace ochopod
