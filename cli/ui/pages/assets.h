// The UI's static files (cli/ui/pages/assets/: app.js, app.css, favicon.svg),
// compiled into the binary by cmake/embed_assets.cmake: no CDN, no file read
// at run time. The HTTP server serves them under /assets/<name>?v=<hash>
// with a long cache life; pages link them through asset_url(). Any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace ochopod::cli::ui {

// name -> bytes, as generated at build time.
const std::map<std::string_view, std::string_view>& embedded_assets();

struct Asset {
  std::string_view bytes;
  std::string_view content_type;  // from the name's extension
  std::string etag;               // a hash of the bytes, quoted
};

// nullptr-like empty bytes when there is no such asset.
const Asset* find_asset(std::string_view name);

// "/assets/<name>?v=<hash>": changes whenever the bytes do.
std::string asset_url(std::string_view name);

}  // namespace ochopod::cli::ui
