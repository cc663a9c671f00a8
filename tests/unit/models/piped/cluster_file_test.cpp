// cluster_text: the OCHOPOD_CLUSTER file's text, spliced from a Cluster's
// members, must be exactly what serializing Cluster::to_json() gives (the
// child reads it as that JSON).
#include "models/piped/cluster_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace ochopod {
namespace {

TEST(ClusterText, IsTheSerializedToJsonByteForByte) {
  nlohmann::json pods = nlohmann::json::object();
  for (int i = 0; i < 5; ++i) {
    pods["pod-" + std::to_string(i)] = {{"ip", "10.0.0." + std::to_string(i)},
                                        {"seq", i},
                                        {"ports", {{"8080", 31000 + i}}},
                                        {"note", "quote \" and \xc3\xa9"}};
  }
  const nlohmann::json payload{{"pods", pods},
                               {"dependencies", {{"shop.db", {{"x", {{"ip", "10.1.0.1"}}}}}}},
                               {"key", "pod-3"}};
  const Cluster cluster = Cluster::from_payload(payload);
  ASSERT_EQ(cluster.index, 3);
  EXPECT_EQ(detail::cluster_text(cluster), cluster.to_json().dump());

  const Cluster empty = Cluster::from_payload(nlohmann::json{{"pods", nlohmann::json::object()}});
  EXPECT_EQ(detail::cluster_text(empty), empty.to_json().dump());
}

// The file is written in pieces (the pods map straight from the payload's
// text): what lands is still that text and a newline, replacing the old one.
TEST(ClusterFile, HoldsTheClusterTextAndANewlineAfterEachWrite) {
  detail::ClusterFile file("");
  for (const char* key : {"pod-0", "pod-1"}) {
    const std::string body = nlohmann::json{
        {"pods", {{"pod-0", {{"seq", 0}}}, {"pod-1", {{"seq", 1}}}}},
        {"key", key}}.dump();
    const Cluster cluster = Cluster::from_text(body);
    file.write(cluster);
    std::ifstream in(file.path(), std::ios::binary);
    const std::string written((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    EXPECT_EQ(written, detail::cluster_text(cluster) + "\n") << key;
  }
}

// A configuration the file already holds is not written again: same inode,
// no write at all (a child watching the file is not woken), while any change,
// even one byte of one registration or the pod's own key, is.
TEST(ClusterFile, IsWrittenOnlyWhenTheConfigurationChanged) {
  detail::ClusterFile file("");
  const auto body = [](const std::string& key, const std::string& ip) {
    return nlohmann::json{{"pods", {{"pod-0", {{"ip", ip}}}, {"pod-1", {{"ip", "10.0.0.2"}}}}},
                          {"dependencies", {{"db", nlohmann::json::object()}}},
                          {"key", key}}
        .dump();
  };
  const auto inode = [&file] {
    struct stat st {};
    EXPECT_EQ(::stat(file.path().c_str(), &st), 0);
    return st.st_ino;
  };
  EXPECT_TRUE(file.write(Cluster::from_text(body("pod-0", "10.0.0.1"))));
  const auto first = inode();
  // The same configuration in a new body (a new round, a new leader).
  EXPECT_FALSE(file.write(Cluster::from_text(body("pod-0", "10.0.0.1"))));
  EXPECT_EQ(inode(), first);
  EXPECT_TRUE(file.write(Cluster::from_text(body("pod-0", "10.0.0.9"))));
  EXPECT_NE(inode(), first);
  const auto second = inode();
  EXPECT_TRUE(file.write(Cluster::from_text(body("pod-1", "10.0.0.9"))));
  EXPECT_NE(inode(), second);
  EXPECT_EQ(detail::cluster_digest(Cluster::from_text(body("pod-1", "10.0.0.9"))),
            detail::cluster_digest(Cluster::from_text(body("pod-1", "10.0.0.9"))));
  EXPECT_FALSE(detail::cluster_digest(Cluster::from_text(body("pod-1", "10.0.0.9"))) ==
               detail::cluster_digest(Cluster::from_text(body("pod-0", "10.0.0.9"))));
}

// A large cluster's file rewritten at every round took a page for each
// 4 KiB anew, and freed the old ones: the version before the current one is
// written over instead when nobody holds it (models/templates/recycled_file.h).
TEST(ClusterFile, WritesANewConfigurationOverTheFileOfTheOneBeforeTheLast) {
  detail::ClusterFile file("");
  const auto cluster = [](int pods) {
    nlohmann::json map = nlohmann::json::object();
    for (int i = 0; i < pods; ++i) map["pod-" + std::to_string(i)] = {{"seq", i}};
    return Cluster::from_text(nlohmann::json{{"pods", map}, {"key", "pod-0"}}.dump());
  };
  const auto inode = [&file] {
    struct stat st {};
    EXPECT_EQ(::stat(file.path().c_str(), &st), 0);
    return st.st_ino;
  };
  ASSERT_TRUE(file.write(cluster(1)));
  const auto first = inode();
  ASSERT_TRUE(file.write(cluster(2)));
  const auto second = inode();
  ASSERT_TRUE(file.write(cluster(3)));
  EXPECT_EQ(inode(), first) << "a new file for the third configuration";
  ASSERT_TRUE(file.write(cluster(4)));
  EXPECT_EQ(inode(), second);
  std::ifstream in(file.path(), std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()),
            detail::cluster_text(cluster(4)) + "\n");
}

// What the file holds is read from the file: one its child changed, even to
// a text of the same size, or replaced with something that is not a file
// (a FIFO, which must not block the pod), is written again.
TEST(ClusterFile, IsWrittenAgainWhenItNoLongerHoldsTheConfiguration) {
  detail::ClusterFile file("");
  const Cluster cluster =
      Cluster::from_text(R"({"pods":{"pod-0":{"ip":"10.0.0.1"}},"key":"pod-0"})");
  const std::string text = detail::cluster_text(cluster) + "\n";
  const auto read = [&file] {
    std::ifstream in(file.path(), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  ASSERT_TRUE(file.write(cluster));
  std::string changed = text;
  changed[changed.find("10.0.0.1") + 7] = '7';
  std::ofstream(file.path(), std::ios::binary | std::ios::trunc) << changed;
  ASSERT_EQ(read(), changed);
  EXPECT_TRUE(file.write(cluster)) << "a file changed to the same size was taken as held";
  EXPECT_EQ(read(), text);
  EXPECT_FALSE(file.write(cluster));

  std::filesystem::remove(file.path());
  ASSERT_EQ(::mkfifo(file.path().c_str(), 0600), 0);
  EXPECT_TRUE(file.write(cluster));
  ASSERT_TRUE(std::filesystem::is_regular_file(file.path())) << "the FIFO was left in its place";
  EXPECT_EQ(read(), text);
}

// Where the private directory goes: $TMPDIR when set, else memory.
TEST(ClusterFile, LivesUnderTmpdirWhenSetElseInDevShm) {
  const char* saved = std::getenv("TMPDIR");
  const std::string restore = saved ? saved : "";
  const auto dir = std::filesystem::temp_directory_path() / "ochopod-cluster-file-test";
  std::filesystem::create_directories(dir);
  ::setenv("TMPDIR", dir.c_str(), 1);
  {
    detail::ClusterFile file("");
    EXPECT_EQ(file.path().rfind(dir.string() + "/ochopod-", 0), 0u) << file.path();
  }
  ::unsetenv("TMPDIR");
  {
    detail::ClusterFile file("");
    const bool shm = ::access("/dev/shm", W_OK) == 0;
    EXPECT_EQ(file.path().rfind(shm ? "/dev/shm/ochopod-" : "/tmp/ochopod-", 0), 0u) << file.path();
    const std::string parent = std::filesystem::path(file.path()).parent_path();
    file.write(Cluster::from_text(R"({"pods":{"p":{}},"key":"p"})"));
    EXPECT_TRUE(std::filesystem::exists(file.path()));
    std::error_code ec;
    EXPECT_TRUE(std::filesystem::is_directory(parent, ec));
  }
  if (saved) ::setenv("TMPDIR", restore.c_str(), 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ochopod
