// The ACL choice of a pod (ochopod_zk_acl / --zk-acl), ZooKeeper's digest
// identity, and which nodes a policy protects.
#include "runtime/zk/acl.h"

#include <gtest/gtest.h>

#include "harness/fake_zk_session.h"

namespace ochopod {
namespace {

using test::address_with_credentials;

TEST(ZkAcl, DefaultsToReadWithCredentialsAndOpenWithout) {
  std::string error;
  EXPECT_EQ(choose_zk_acl("", true, &error), ZkAclMode::kRead);
  EXPECT_EQ(choose_zk_acl("", false, &error), ZkAclMode::kOpen);
  EXPECT_EQ(choose_zk_acl("open", true, &error), ZkAclMode::kOpen);
  EXPECT_EQ(choose_zk_acl("open", false, &error), ZkAclMode::kOpen);
  EXPECT_EQ(choose_zk_acl("read", true, &error), ZkAclMode::kRead);
  EXPECT_EQ(choose_zk_acl("private", true, &error), ZkAclMode::kPrivate);
  EXPECT_EQ(error, "");
}

TEST(ZkAcl, ReadOrPrivateWithoutCredentialsAndUnknownWordsAreOneLineErrors) {
  for (const char* text : {"read", "private"}) {
    std::string error;
    EXPECT_FALSE(choose_zk_acl(text, false, &error)) << text;
    EXPECT_NE(error.find("needs ZooKeeper credentials"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
  std::string error;
  EXPECT_FALSE(choose_zk_acl("Read", true, &error));
  EXPECT_EQ(error, "ochopod_zk_acl must be open, read or private, got 'Read'");
}

TEST(ZkAcl, TheDigestIdIsTheUserAndTheBase64OfTheSha1OfUserColonPassword) {
  // As kazoo's make_digest_acl_credential("ocho", "secret") and ZooKeeper's
  // DigestAuthenticationProvider.generateDigest("ocho:secret") give it.
  EXPECT_EQ(zk_digest_id("ocho", "secret"), "ocho:IM8C8Ss9AGIYRXFuDSBPLWe+hhE=");
  // The password may hold colons: only the user ends at the first one.
  EXPECT_EQ(zk_digest_id("u", "a:b").rfind("u:", 0), 0u);
  EXPECT_EQ(zk_digest_id("u", "a:b").size(), 2u + 28u);
}

TEST(ZkAcl, EachModeGivesItsEntries) {
  const auto address = address_with_credentials();
  const std::string digest = zk_digest_id("ocho", "secret");
  EXPECT_EQ(zk_acl_for(ZkAclMode::kOpen, address), zk_open_acl());
  EXPECT_EQ(
      zk_acl_for(ZkAclMode::kRead, address),
      (std::vector<ZkAclEntry>{{kZkPermRead, "world", "anyone"}, {kZkPermAll, "digest", digest}}));
  EXPECT_EQ(zk_acl_for(ZkAclMode::kPrivate, address),
            (std::vector<ZkAclEntry>{{kZkPermAll, "digest", digest}}));
  // Without credentials there is nobody to give the nodes to.
  EXPECT_EQ(zk_acl_for(ZkAclMode::kRead, ZkAddress{}), zk_open_acl());
}

TEST(ZkAcl, ThePolicyProtectsItsRootAndBelowOnly) {
  ZkAclPolicy policy{"/ochopod/clusters/ns.web",
                     zk_acl_for(ZkAclMode::kRead, address_with_credentials())};
  for (const char* path :
       {"/ochopod/clusters/ns.web", "/ochopod/clusters/ns.web/pods",
        "/ochopod/clusters/ns.web/pods/x.0000000001", "/ochopod/clusters/ns.web/snapshot"}) {
    EXPECT_EQ(policy.acl_for(path), policy.protect) << path;
  }
  for (const char* path :
       {"/ochopod", "/ochopod/clusters", "/ochopod/clusters/ns.web2", "/ochopod/clusters/ns.we"}) {
    EXPECT_EQ(policy.acl_for(path), zk_open_acl()) << path;
  }
  EXPECT_EQ(ZkAclPolicy{}.acl_for("/ochopod/clusters/ns.web"), zk_open_acl());
}

TEST(ZkAcl, DescriptionsNameTheUserNeverTheHash) {
  const auto acl = zk_acl_for(ZkAclMode::kRead, address_with_credentials());
  EXPECT_EQ(describe_zk_acl(acl), "world:anyone:r, digest:ocho:cdrwa");
  EXPECT_TRUE(same_zk_acl(acl, {acl[1], acl[0]}));
  EXPECT_FALSE(same_zk_acl(acl, zk_open_acl()));
}

}  // namespace
}  // namespace ochopod
