// The repository's documents against the code and against themselves:
// docs/run.md must list every `ochopod run` option the code knows (so page and
// parser cannot drift), and no file may send a reader to a document the
// repository does not hold.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/run/options.h"
#include "harness/files.h"
#include "harness/run_capture.h"

namespace ochopod::cli {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = OCHOPOD_SOURCE_DIR;

// The option table of docs/run.md: `--name` (first cell) -> the second cell.
std::map<std::string, std::string> documented_options() {
  std::map<std::string, std::string> rows;
  std::istringstream page(ochopod::test::read_text((kSourceDir / "docs" / "run.md").string()));
  const std::regex row(R"(^\|\s*`--([a-z0-9-]+)`\s*\|\s*([^|]*?)\s*\|)");
  std::smatch m;
  for (std::string line; std::getline(page, line);) {
    if (std::regex_search(line, m, row)) rows[m[1]] = m[2];
  }
  return rows;
}

// The options `ochopod run --help` prints, one per line as "  --name".
std::vector<std::string> help_options() {
  std::vector<std::string> names;
  std::istringstream help(run_help());
  const std::regex option(R"(^  --([a-z0-9-]+))");
  std::smatch m;
  for (std::string line; std::getline(help, line);) {
    if (std::regex_search(line, m, option)) names.push_back(m[1]);
  }
  return names;
}

std::string twin_of(std::string name) {
  for (auto& c : name)
    if (c == '-') c = '_';
  return "`ochopod_" + name + "`";
}

TEST(Docs, RunPageListsEveryOptionWithItsTwin) {
  ASSERT_TRUE(fs::exists(kSourceDir / "docs" / "run.md")) << kSourceDir;
  const auto documented = documented_options();
  ASSERT_FALSE(documented.empty()) << "docs/run.md has no option table";
  const auto from_table = run_option_names();
  const auto from_help = help_options();
  ASSERT_FALSE(from_help.empty()) << "ochopod run --help lists no option";
  std::set<std::string> known(from_table.begin(), from_table.end());
  known.insert(from_help.begin(), from_help.end());
  for (const auto& name : known) {
    const auto row = documented.find(name);
    if (row == documented.end()) {
      ADD_FAILURE() << "--" << name << " is an option of `ochopod run` but docs/run.md does not "
                    << "list it (add a row `| `--" << name << "` | " << twin_of(name) << " | ...)";
      continue;
    }
    EXPECT_EQ(row->second, twin_of(name)) << "docs/run.md gives --" << name << " a wrong twin";
  }
}

// Names that point outside the repository. Spelled in pieces so that this
// file does not match its own search.
const std::vector<std::string>& foreign_references() {
  static const std::vector<std::string> names = {
      std::string("..") + "/shared",       std::string("PITFALLS") + ".md",
      std::string("ochopod-api") + ".txt", std::string("servo-cd") + ".txt",
      std::string("PROTOCOL") + ".md",     std::string("RUN") + ".md",
      std::string("LIFECYCLE") + ".md",    std::string("EXAMPLES") + ".md",
  };
  return names;
}

// The files under version control; outside a git checkout (a source tarball),
// every file of the tree except build directories.
std::vector<fs::path> source_files() {
  std::vector<fs::path> files;
  if (fs::exists(kSourceDir / ".git")) {
    const auto listed = ochopod::test::run_capture(
        {"git", "-C", kSourceDir.string(), "ls-files", "-z"}, std::chrono::seconds(30));
    EXPECT_TRUE(listed.exited_ok()) << "git ls-files failed: " << listed.err;
    for (size_t start = 0; start < listed.out.size();) {
      const size_t end = std::min(listed.out.find('\0', start), listed.out.size());
      if (end > start) files.push_back(kSourceDir / listed.out.substr(start, end - start));
      start = end + 1;
    }
    if (!files.empty()) return files;
  }
  for (auto it = fs::recursive_directory_iterator(kSourceDir); it != fs::end(it); ++it) {
    const std::string leaf = it->path().filename().string();
    if (it->is_directory() && (leaf == ".git" || leaf.starts_with("build"))) {
      it.disable_recursion_pending();
    } else if (it->is_regular_file()) {
      files.push_back(it->path());
    }
  }
  return files;
}

TEST(Docs, NoFileNamesADocumentOutsideTheRepository) {
  const auto files = source_files();
  ASSERT_GT(files.size(), 10u) << "found no source files under " << kSourceDir;
  for (const auto& file : files) {
    if (!fs::is_regular_file(file)) continue;  // deleted but not yet committed
    std::istringstream text(ochopod::test::read_text(file.string()));
    int number = 0;
    for (std::string line; std::getline(text, line);) {
      ++number;
      for (const auto& name : foreign_references()) {
        if (line.find(name) != std::string::npos) {
          ADD_FAILURE() << fs::relative(file, kSourceDir).string() << ":" << number << " names "
                        << name << ", which is not in the repository (point at docs/ instead)";
        }
      }
    }
  }
}

TEST(Docs, MarkdownLinksPointAtFilesThatExist) {
  const std::regex link(R"(\]\(([^)#\s]+)(#[^)]*)?\))");
  for (const auto& file : source_files()) {
    if (file.extension() != ".md" || !fs::is_regular_file(file)) continue;
    std::istringstream text(ochopod::test::read_text(file.string()));
    int number = 0;
    for (std::string line; std::getline(text, line);) {
      ++number;
      for (std::sregex_iterator it(line.begin(), line.end(), link), end; it != end; ++it) {
        const std::string target = (*it)[1];
        if (target.find("://") != std::string::npos || target.starts_with("mailto:")) continue;
        EXPECT_TRUE(fs::exists(file.parent_path() / target))
            << fs::relative(file, kSourceDir).string() << ":" << number << " links to " << target
            << ", which does not exist";
      }
    }
  }
}

}  // namespace
}  // namespace ochopod::cli
