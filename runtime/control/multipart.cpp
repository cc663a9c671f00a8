#include "runtime/control/multipart.h"

#include <algorithm>
#include <cctype>

#include "runtime/base/text.h"

namespace ochopod {

namespace {

// HTTP's optional whitespace around parameters and header values.
std::string_view trim_ows(std::string_view s) { return trim(s, " \t"); }

// The value of `key` among `;`-separated parameters, token or quoted string
// (backslash escapes resolved); false when absent or badly quoted.
bool parameter(std::string_view params, std::string_view key, std::string* value) {
  const size_t n = params.size();
  size_t i = 0;
  while (i < n) {
    while (i < n && (params[i] == ' ' || params[i] == '\t' || params[i] == ';')) ++i;
    const size_t start = i;
    while (i < n && params[i] != '=' && params[i] != ';') ++i;
    const std::string_view name = trim_ows(params.substr(start, i - start));
    std::string v;
    if (i < n && params[i] == '=') {
      ++i;
      while (i < n && (params[i] == ' ' || params[i] == '\t')) ++i;
      if (i < n && params[i] == '"') {
        ++i;
        bool closed = false;
        while (i < n && !closed) {
          const char c = params[i++];
          if (c == '\\' && i < n) {
            v.push_back(params[i++]);
          } else if (c == '"') {
            closed = true;
          } else {
            v.push_back(c);
          }
        }
        if (!closed) return false;
      } else {
        const size_t from = i;
        while (i < n && params[i] != ';') ++i;
        v.assign(trim_ows(params.substr(from, i - from)));
      }
    }
    if (iequals(name, key)) {
      *value = std::move(v);
      return true;
    }
  }
  return false;
}

bool valid_boundary(std::string_view b) {
  // RFC 2046 5.1.1: 1 to 70 characters of bchars, not ending in a space.
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  return std::all_of(b.begin(), b.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
  });
}

}  // namespace

std::string multipart_boundary(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  if (semi == std::string_view::npos) return "";
  if (!iequals(trim_ows(content_type.substr(0, semi)), "multipart/form-data")) return "";
  std::string boundary;
  if (!parameter(content_type.substr(semi + 1), "boundary", &boundary)) return "";
  return valid_boundary(boundary) ? boundary : "";
}

MultipartResult parse_multipart(std::string_view body, std::string_view boundary,
                                const MultipartLimits& limits) {
  MultipartResult out;
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next_delimiter = "\r\n" + delimiter;
  if (body.substr(0, delimiter.size()) != delimiter) {
    out.error = "the body does not start with the boundary";
    return out;
  }
  size_t at = delimiter.size();
  while (true) {
    // After a delimiter: "--" closes the body, CRLF opens a part.
    if (body.substr(at, 2) == "--") return out;
    if (body.substr(at, 2) != "\r\n") {
      out.error = "a boundary is not followed by CRLF or --";
      break;
    }
    at += 2;
    if (out.uploads.size() == limits.max_parts) {
      out.error = "more than " + std::to_string(limits.max_parts) + " parts";
      break;
    }
    const size_t headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string_view::npos || headers_end - at > limits.max_part_headers) {
      out.error = "a part's headers are unterminated or too long";
      break;
    }
    std::string name;
    bool form_data = false;
    std::string_view headers = body.substr(at, headers_end - at);
    while (!headers.empty()) {
      const size_t eol = headers.find("\r\n");
      const std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        out.error = "a part header without ':'";
        return out;
      }
      if (!iequals(trim_ows(line.substr(0, colon)), "Content-Disposition")) continue;
      const std::string_view value = trim_ows(line.substr(colon + 1));
      const size_t semi = value.find(';');
      form_data = iequals(trim_ows(value.substr(0, semi)), "form-data") &&
                  semi != std::string_view::npos &&
                  parameter(value.substr(semi + 1), "name", &name);
    }
    if (!form_data) {
      out.error = "a part without Content-Disposition: form-data; name=...";
      break;
    }
    at = headers_end + 4;
    const size_t end = body.find(next_delimiter, at);
    if (end == std::string_view::npos) {
      out.error = "a part is not closed by the boundary";
      break;
    }
    out.uploads.push_back({std::move(name), std::string(body.substr(at, end - at))});
    at = end + next_delimiter.size();
  }
  out.uploads.clear();
  return out;
}

}  // namespace ochopod
