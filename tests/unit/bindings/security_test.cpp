// The control plane's settings as every binding reads them: the token from a
// file or a variable, the TLS files, and what of them a registration shows.
#include <gtest/gtest.h>

#include <fstream>

#include "bindings/binding.h"
#include "harness/temp_dir.h"

namespace ochopod {
namespace {

using nlohmann::json;

TEST(BindingSecurity, TheTokenComesFromItsFileTrimmedAndStaysOutOfTheRegistration) {
  test::TempDir dir;
  std::ofstream(dir.file("token")) << "from-the-file\n";
  const auto result = resolve_binding(
      {{"ochopod_token_file", dir.file("token")}, {"ochopod_token", "from-the-variable"}}, "local");
  ASSERT_TRUE(result.settings) << result.error;
  EXPECT_EQ(result.settings->security.token, "from-the-file") << "the file wins";
  const json& reg = result.settings->registration;
  EXPECT_FALSE(reg.contains("token")) << reg;
  EXPECT_FALSE(reg.contains("token_file")) << reg;
  EXPECT_EQ(reg.dump().find("from-the"), std::string::npos) << reg;
}

TEST(BindingSecurity, ATokenVariableIsTrimmedAndAnEmptyOneIsAnError) {
  const auto result = resolve_binding({{"ochopod_token", " tok \n"}}, "local");
  ASSERT_TRUE(result.settings) << result.error;
  EXPECT_EQ(result.settings->security.token, "tok");
  EXPECT_FALSE(result.settings->registration.contains("token"));
  EXPECT_EQ(resolve_binding({{"ochopod_token", "  "}}, "local").error, "ochopod_token is empty");
  const auto missing = resolve_binding({{"ochopod_token_file", "/nonexistent/t"}}, "local");
  EXPECT_FALSE(missing.settings);
  EXPECT_NE(missing.error.find("ochopod_token_file: cannot read /nonexistent/t"), std::string::npos)
      << missing.error;
}

TEST(BindingSecurity, TlsFilesGoTogetherAndOnlyACertificateMakesTheRegistrationSayTls) {
  const auto tls = resolve_binding(
      {{"ochopod_tls_cert", "/c.pem"}, {"ochopod_tls_key", "/k.pem"}, {"ochopod_tls_ca", "/ca"}},
      "local");
  ASSERT_TRUE(tls.settings) << tls.error;
  EXPECT_EQ(tls.settings->registration["tls"], "true");
  EXPECT_EQ(tls.settings->security.tls_ca, "/ca");
  EXPECT_EQ(tls.settings->security.trust().ca_file, "/ca");

  const auto plain = resolve_binding({{"ochopod_tls", "true"}}, "local");
  ASSERT_TRUE(plain.settings) << plain.error;
  EXPECT_FALSE(plain.settings->registration.contains("tls"))
      << "a stray ochopod_tls would send callers to https";
  const auto half = resolve_binding({{"ochopod_tls_cert", "/c.pem"}}, "local");
  EXPECT_FALSE(half.settings);
  EXPECT_NE(half.error.find("ochopod_tls_key"), std::string::npos) << half.error;
}

}  // namespace
}  // namespace ochopod
