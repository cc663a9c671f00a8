// resolve_identity (models/child/identity.h): names and numbers, with and
// without a group, against the Debian image's passwd and group databases
// (root and nobody exist; "nogroup" is nobody's group there).
#include "models/child/identity.h"

#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>

#include <algorithm>
#include <string>

namespace ochopod {
namespace {

TEST(Identity, RootByNameAndByNumber) {
  std::string error;
  const auto by_name = detail::resolve_identity("root", &error);
  ASSERT_TRUE(by_name) << error;
  EXPECT_EQ(by_name->uid, 0u);
  EXPECT_EQ(by_name->gid, 0u);
  EXPECT_EQ(by_name->name, "root");
  EXPECT_EQ(by_name->home, "/root");
  EXPECT_NE(std::find(by_name->groups.begin(), by_name->groups.end(), 0u), by_name->groups.end());

  const auto by_number = detail::resolve_identity("0", &error);
  ASSERT_TRUE(by_number) << error;
  EXPECT_EQ(by_number->name, "root") << "a uid with a passwd entry gets its name";
  EXPECT_EQ(by_number->home, "/root");
}

TEST(Identity, NobodyWithItsPasswdGroup) {
  const passwd* nobody = ::getpwnam("nobody");
  if (nobody == nullptr) GTEST_SKIP() << "no user nobody here";
  std::string error;
  const auto identity = detail::resolve_identity("nobody", &error);
  ASSERT_TRUE(identity) << error;
  EXPECT_EQ(identity->uid, nobody->pw_uid);
  EXPECT_EQ(identity->gid, nobody->pw_gid);
  ASSERT_FALSE(identity->groups.empty());
  EXPECT_NE(std::find(identity->groups.begin(), identity->groups.end(), nobody->pw_gid),
            identity->groups.end());
}

TEST(Identity, AnExplicitGroupIsTheOnlyGroup) {
  std::string error;
  const auto numeric = detail::resolve_identity("nobody:123", &error);
  ASSERT_TRUE(numeric) << error;
  EXPECT_EQ(numeric->gid, 123u);
  EXPECT_EQ(numeric->groups, std::vector<gid_t>{123});

  const auto named = detail::resolve_identity("0:root", &error);
  ASSERT_TRUE(named) << error;
  EXPECT_EQ(named->uid, 0u);
  EXPECT_EQ(named->gid, 0u);
  EXPECT_EQ(named->groups, std::vector<gid_t>{0});
}

TEST(Identity, AUidWithoutAnEntryGetsItsOwnNumberAsGroup) {
  const uid_t uid = 54321;
  if (::getpwuid(uid) != nullptr) GTEST_SKIP() << "uid 54321 has an entry here";
  std::string error;
  const auto identity = detail::resolve_identity("54321", &error);
  ASSERT_TRUE(identity) << error;
  EXPECT_EQ(identity->uid, uid);
  EXPECT_EQ(identity->gid, uid) << "not 0: root's group is never given by surprise";
  EXPECT_EQ(identity->groups, std::vector<gid_t>{uid});
  EXPECT_EQ(identity->name, "");
  EXPECT_EQ(identity->home, "/");

  const auto with_group = detail::resolve_identity("54321:54322", &error);
  ASSERT_TRUE(with_group) << error;
  EXPECT_EQ(with_group->gid, 54322u);
}

TEST(Identity, ErrorsNameTheProblem) {
  std::string error;
  EXPECT_FALSE(detail::resolve_identity("no-such-user-here", &error));
  EXPECT_EQ(error, "no such user 'no-such-user-here'");
  EXPECT_FALSE(detail::resolve_identity("root:no-such-group-here", &error));
  EXPECT_EQ(error, "no such group 'no-such-group-here'");
  EXPECT_FALSE(detail::resolve_identity("", &error));
  EXPECT_NE(error.find("names no user"), std::string::npos) << error;
  EXPECT_FALSE(detail::resolve_identity(":0", &error));
  EXPECT_NE(error.find("names no user"), std::string::npos) << error;
  EXPECT_FALSE(detail::resolve_identity("root:", &error));
  EXPECT_NE(error.find("names no group"), std::string::npos) << error;
  EXPECT_FALSE(detail::resolve_identity("4294967295", &error));
  EXPECT_NE(error.find("out of range"), std::string::npos) << error;
  EXPECT_FALSE(detail::resolve_identity("99999999999999999999", &error));
  EXPECT_NE(error.find("out of range"), std::string::npos) << error;
}

}  // namespace
}  // namespace ochopod
