#include "runtime/zk/address.h"

#include <gtest/gtest.h>

namespace ochopod {
namespace {

TEST(ZkAddress, PlainHostList) {
  std::string error;
  auto a = parse_zk_address("10.0.0.1:2181,10.0.0.2:2181", &error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->hosts, "10.0.0.1:2181,10.0.0.2:2181");
  EXPECT_EQ(a->chroot, "");
  EXPECT_EQ(a->connect_string(), "10.0.0.1:2181,10.0.0.2:2181");
}

TEST(ZkAddress, UrlWithCredentialsAndChroot) {
  std::string error;
  auto a = parse_zk_address("zk://bob:s3cret@h1:2181,h2:2182/apps/ocho/", &error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->hosts, "h1:2181,h2:2182");
  EXPECT_EQ(a->chroot, "/apps/ocho");
  EXPECT_EQ(a->user, "bob");
  EXPECT_EQ(a->password, "s3cret");
  EXPECT_EQ(a->display(), "h1:2181,h2:2182/apps/ocho") << "credentials never leak into payloads";
}

TEST(ZkAddress, UrlWithoutCredentials) {
  std::string error;
  auto a = parse_zk_address("zk://h1:2181/mesos", &error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->hosts, "h1:2181");
  EXPECT_EQ(a->chroot, "/mesos");
  EXPECT_TRUE(a->user.empty());
}

TEST(ZkAddress, RejectsMalformedAddressesWithAReason) {
  for (const char* bad :
       {"", "zk://", "host", "host:", ":2181", "h:21x81", "h1:1,,h2:2", "zk://nopassword@h:1"}) {
    std::string error;
    EXPECT_FALSE(parse_zk_address(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(ZkAddress, WithoutCredentialsDropsTheUserAndPasswordOnly) {
  EXPECT_EQ(zk_address_without_credentials("zk://bob:s3cret@h1:2181,h2:2182/apps"),
            "h1:2181,h2:2182/apps");
  EXPECT_EQ(zk_address_without_credentials("zk://h1:2181/mesos"), "zk://h1:2181/mesos");
  EXPECT_EQ(zk_address_without_credentials("h1:2181"), "h1:2181");
  // Even what does not parse loses them.
  EXPECT_EQ(zk_address_without_credentials("zk://bob:s3cret@nohost"), "zk://nohost");
  EXPECT_EQ(zk_address_without_credentials("zk://bob:s3cret@"), "zk://");
}

TEST(ZkAddress, ErrorsNeverQuoteThePassword) {
  for (const char* bad : {"zk://bob:s3cret@", "zk://bob:s3cret@h:x", "zk://bob:s3cret@h",
                          "zk://bob:s3cret@h:1,,h:2"}) {
    std::string error;
    EXPECT_FALSE(parse_zk_address(bad, &error)) << bad;
    EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace ochopod
