// TlsFiles: a throwaway CA and a pod certificate it signed (EC P-256, made
// with /usr/bin/openssl in a TempDir, valid 2 days, no host name in it: pods
// are reached by IP and names are not checked). For tests of pods serving
// HTTPS (--tls-cert, --tls-key, --tls-ca): used by
// tests/integration/security_test.cpp and tests/integration/ui_fixture.h
// (`ochopod ui` against HTTPS pods, with the right CA and a wrong one).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "harness/temp_dir.h"

namespace ochopod::test {

struct TlsFiles {
  TempDir dir;
  std::string ca() const { return dir.file("ca.pem"); }
  std::string cert() const { return dir.file("pod.pem"); }
  std::string key() const { return dir.file("pod.key"); }

  // Writes ca.pem, pod.pem and pod.key; a failure names the openssl step.
  testing::AssertionResult make();
};

}  // namespace ochopod::test
