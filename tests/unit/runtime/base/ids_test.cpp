// Random ids: their shape, and that they do not repeat.
#include "runtime/base/ids.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <string>

namespace ochopod {
namespace {

TEST(Ids, HexHasTheDigitsAskedFor) {
  EXPECT_EQ(random_hex(0), "");
  for (const size_t digits : {1u, 15u, 16u}) {
    const std::string hex = random_hex(digits);
    EXPECT_EQ(hex.size(), digits);
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
  }
}

TEST(Ids, AUuidIsAVersion4UuidInCanonicalLowercase) {
  const std::regex canonical("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<char> variants;
  for (int i = 0; i < 200; ++i) {
    const std::string uuid = make_uuid4();
    ASSERT_TRUE(std::regex_match(uuid, canonical)) << uuid;
    variants.insert(uuid[19]);
  }
  EXPECT_EQ(variants.size(), 4u) << "the variant digit takes each of 8, 9, a, b";
}

TEST(Ids, DoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.insert(random_hex(16)).second);
    EXPECT_TRUE(seen.insert(make_uuid4()).second);
  }
}

// A process forked after its parent drew an id (a pod's child, a test's
// fork) draws ids of its own, not the parent's next ones.
TEST(Ids, AForkedProcessDoesNotDrawItsParentsNextIds) {
  random_hex(16);  // the parent has drawn before the fork
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string id = random_hex(32);
    const bool written = ::write(fds[1], id.data(), id.size()) == static_cast<ssize_t>(id.size());
    ::_exit(written ? 0 : 1);
  }
  ::close(fds[1]);
  const std::string mine = random_hex(32);
  std::string childs(32, '\0');
  size_t got = 0;
  while (got < childs.size()) {
    const ssize_t n = ::read(fds[0], childs.data() + got, childs.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_EQ(got, 32u) << "the child wrote no id";
  EXPECT_NE(childs, mine) << "the child drew the parent's next id";
}

}  // namespace
}  // namespace ochopod
