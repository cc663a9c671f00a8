#include "runtime/control/multipart.h"

#include <gtest/gtest.h>

namespace ochopod {
namespace {

std::string part(const std::string& b, const std::string& name, const std::string& content) {
  return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" +
         name + "\"\r\nContent-Type: text/plain\r\n\r\n" + content + "\r\n";
}

TEST(Multipart, BoundaryFromTheContentType) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data; charset=x; boundary=\"a b:c\""), "a b:c");
  EXPECT_EQ(multipart_boundary("multipart/form-data"), "");
  EXPECT_EQ(multipart_boundary("multipart/mixed; boundary=abc"), "");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary="), "");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')), "");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"unterminated"), "");
}

TEST(Multipart, PartsInOrderWithBinaryContent) {
  const std::string binary("a\0\r\n--notit\r\nb", 14);
  const std::string body =
      part("XyZ", "a.txt", "line one\nline two\n") + part("XyZ", "b.bin", binary) + "--XyZ--\r\n";
  const auto r = parse_multipart(body, "XyZ");
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.uploads.size(), 2u);
  EXPECT_EQ(r.uploads[0].name, "a.txt");
  EXPECT_EQ(r.uploads[0].content, "line one\nline two\n");
  EXPECT_EQ(r.uploads[1].name, "b.bin");
  EXPECT_EQ(r.uploads[1].content, binary);
  EXPECT_TRUE(parse_multipart("--XyZ--", "XyZ").ok()) << "no part at all";
}

TEST(Multipart, MalformedBodiesAreRefusedWhole) {
  const std::string ok = part("B", "a", "1");
  for (const std::string& bad : std::vector<std::string>{
           ok,                                          // no closing delimiter
           "junk" + ok + "--B--",                       // preamble
           "--B\r\nContent-Type: x\r\n\r\n1\r\n--B--",  // no Content-Disposition
           "--B\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--B--",
           "--B\r\nContent-Disposition: form-data\r\n\r\n1\r\n--B--",  // no name
           "--B\r\nno colon\r\n\r\n1\r\n--B--",
           "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunclosed",
           "--Bx\r\n",
           "",
       }) {
    const auto r = parse_multipart(bad, "B");
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.uploads.empty());
  }
}

TEST(Multipart, LimitsBoundPartsAndHeaders) {
  std::string body;
  for (int i = 0; i < 3; ++i) body += part("B", "f" + std::to_string(i), "x");
  body += "--B--";
  EXPECT_TRUE(parse_multipart(body, "B", {3, 8192}).ok());
  EXPECT_FALSE(parse_multipart(body, "B", {2, 8192}).ok());
  const std::string long_header =
      "--B\r\nContent-Disposition: form-data; name=\"a\"\r\nX: " + std::string(200, 'h') +
      "\r\n\r\n1\r\n--B--";
  EXPECT_FALSE(parse_multipart(long_header, "B", {64, 100}).ok());
  EXPECT_TRUE(parse_multipart(long_header, "B", {64, 1000}).ok());
}

}  // namespace
}  // namespace ochopod
