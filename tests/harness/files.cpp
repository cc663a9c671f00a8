#include "harness/files.h"

#include <gtest/gtest.h>

#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace ochopod::test {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_text(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string last_lines(const std::string& text, std::size_t n) {
  if (n == 0) return {};
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  std::size_t count = 0;
  while (pos > 0) {
    if (text[pos - 1] == '\n' && ++count == n) break;
    --pos;
  }
  return text.substr(pos);
}

void dump_log_if_failed(const std::string& what, const std::string& path, std::size_t n) {
  // An exception on its way to gtest has not been recorded as a failure yet.
  if (!testing::Test::HasFailure() && std::uncaught_exceptions() == 0) return;
  std::cerr << "----- last " << n << " lines of " << what << " (" << path << ") -----\n"
            << last_lines(read_text(path), n) << "\n----- end of " << what << " -----\n";
}

}  // namespace ochopod::test
