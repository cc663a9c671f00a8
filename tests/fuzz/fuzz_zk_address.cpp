// A ZooKeeper address as a user writes it (--zk, ochopod_zk, the CLI's -z):
// host:port lists and zk://[user:pass@]hosts[/chroot].
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "runtime/zk/address.h"

using ochopod::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto address = ochopod::parse_zk_address(text, &error);
  if (!address) {
    check(!error.empty(), "a refusal says why");
    return 0;
  }
  check(!address->hosts.empty(), "an accepted address has hosts");
  check(address->chroot.empty() ||
            (address->chroot[0] == '/' && address->chroot != "/" && address->chroot.back() != '/'),
        "a chroot is empty or /path without a trailing slash");
  check(address->hosts.find('/') == std::string::npos, "hosts hold no path");
  check(address->user.empty() == address->password.empty() || !address->user.empty(),
        "a password comes with a user");
  check(address->display() == address->connect_string(), "display is the connect string");
  if (!address->user.empty()) {
    check(text.rfind("zk://", 0) == 0, "credentials only in the URL form");
    check(ochopod::zk_address_without_credentials(text) == address->display(),
          "what leaves the pod is the address without its credentials");
  }
  // Parsing what we display again gives the same hosts and chroot.
  std::string again_error;
  const auto again = ochopod::parse_zk_address(address->display(), &again_error);
  check(again && again->hosts == address->hosts && again->chroot == address->chroot,
        "the displayed address parses back to itself");
  return 0;
}
