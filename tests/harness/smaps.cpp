#include "harness/smaps.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ochopod::test {

MappedKib mapped_kib(pid_t pid, const std::string& path, const std::string& perms) {
  std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps");
  MappedKib kib;
  bool counting = false;
  for (std::string line; std::getline(smaps, line);) {
    std::istringstream in(line);
    std::string first, second;
    in >> first >> second;
    if (first.empty()) continue;
    if (first.back() != ':') {  // a mapping's line: range perms offset dev inode path
      std::string offset, device, inode, name;
      in >> offset >> device >> inode >> name;
      counting = second == perms && name == path;
    } else if (counting && first == "Size:") {
      kib.size += std::stol(second);
    } else if (counting && first == "Rss:") {
      kib.resident += std::stol(second);
    }
  }
  return kib;
}

std::string executable_of(pid_t pid) {
  return std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe").string();
}

}  // namespace ochopod::test
