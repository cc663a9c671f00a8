#include "models/child/identity.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>

namespace ochopod::detail {

namespace {

// A uid or gid written as a number: digits only, below the (id_t)-1 that
// the set*id calls take as "unchanged".
template <typename Id>
std::optional<Id> parse_id(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  unsigned long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() ||
      value >= static_cast<unsigned long long>(std::numeric_limits<Id>::max())) {
    return std::nullopt;
  }
  return static_cast<Id>(value);
}

// The *_r lookups want a caller's buffer, which may have to grow (a group
// with many members).
size_t initial_buffer(int name) {
  const long size = ::sysconf(name);
  return size > 0 ? static_cast<size_t>(size) : 16384;
}
constexpr size_t kMaxBuffer = 1 << 20;

struct User {
  uid_t uid;
  gid_t gid;
  std::string name, home;
};

// nullopt and no error: no such entry. The lookup itself failing is an error.
template <typename Lookup>
std::optional<User> find_user(Lookup lookup, std::string_view what, std::string* error) {
  std::vector<char> buffer(initial_buffer(_SC_GETPW_R_SIZE_MAX));
  for (;;) {
    passwd entry{};
    passwd* found = nullptr;
    const int rc = lookup(&entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < kMaxBuffer) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0) {
      *error = "cannot look up user '" + std::string(what) + "': " + std::strerror(rc);
      return std::nullopt;
    }
    if (found == nullptr) return std::nullopt;
    return User{found->pw_uid, found->pw_gid, found->pw_name,
                found->pw_dir != nullptr && *found->pw_dir != '\0' ? found->pw_dir : "/"};
  }
}

std::optional<gid_t> find_group(const std::string& name, std::string* error) {
  std::vector<char> buffer(initial_buffer(_SC_GETGR_R_SIZE_MAX));
  for (;;) {
    group entry{};
    group* found = nullptr;
    const int rc = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < kMaxBuffer) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0) {
      *error = "cannot look up group '" + name + "': " + std::strerror(rc);
      return std::nullopt;
    }
    if (found == nullptr) {
      *error = "no such group '" + name + "'";
      return std::nullopt;
    }
    return found->gr_gid;
  }
}

std::optional<std::vector<gid_t>> groups_of(const std::string& name, gid_t gid,
                                            std::string* error) {
  std::vector<gid_t> groups(32);
  for (;;) {
    int count = static_cast<int>(groups.size());
    if (::getgrouplist(name.c_str(), gid, groups.data(), &count) >= 0) {
      groups.resize(static_cast<size_t>(count));
      return groups;
    }
    // count now says how many there are.
    if (static_cast<size_t>(count) <= groups.size() || groups.size() >= 65536) {
      *error = "cannot list the groups of user '" + name + "'";
      return std::nullopt;
    }
    groups.resize(static_cast<size_t>(count));
  }
}

}  // namespace

std::optional<Identity> resolve_identity(std::string_view spec, std::string* error) {
  error->clear();  // find_user() tells "not found" from "failed" by it
  const size_t colon = spec.find(':');
  const std::string_view user_part = spec.substr(0, colon);
  const std::optional<std::string_view> group_part =
      colon == std::string_view::npos ? std::nullopt
                                      : std::optional<std::string_view>(spec.substr(colon + 1));
  if (user_part.empty()) {
    *error = "'" + std::string(spec) + "' names no user (user, uid, user:group or uid:gid)";
    return std::nullopt;
  }
  if (group_part && group_part->empty()) {
    *error = "'" + std::string(spec) + "' names no group after ':'";
    return std::nullopt;
  }

  Identity identity;
  std::optional<User> user;
  const std::string user_name(user_part);
  if (const auto uid = parse_id<uid_t>(user_part)) {
    user = find_user([&](passwd* entry, char* buf, size_t size,
                         passwd** found) { return ::getpwuid_r(*uid, entry, buf, size, found); },
                     user_part, error);
    if (!user && !error->empty()) return std::nullopt;
    identity.uid = *uid;
    identity.gid = *uid;  // no passwd entry: see the header
    identity.home = "/";
  } else if (user_part.find_first_not_of("0123456789") == std::string_view::npos) {
    *error = "uid " + user_name + " is out of range";
    return std::nullopt;
  } else {
    user = find_user(
        [&](passwd* entry, char* buf, size_t size, passwd** found) {
          return ::getpwnam_r(user_name.c_str(), entry, buf, size, found);
        },
        user_part, error);
    if (!user) {
      if (error->empty()) *error = "no such user '" + user_name + "'";
      return std::nullopt;
    }
  }
  if (user) {
    identity.uid = user->uid;
    identity.gid = user->gid;
    identity.name = user->name;
    identity.home = user->home;
  }

  if (group_part) {
    if (const auto gid = parse_id<gid_t>(*group_part)) {
      identity.gid = *gid;
    } else if (group_part->find_first_not_of("0123456789") == std::string_view::npos) {
      *error = "gid " + std::string(*group_part) + " is out of range";
      return std::nullopt;
    } else {
      const auto gid = find_group(std::string(*group_part), error);
      if (!gid) return std::nullopt;
      identity.gid = *gid;
    }
    identity.groups = {identity.gid};
  } else if (user) {
    auto groups = groups_of(user->name, user->gid, error);
    if (!groups) return std::nullopt;
    identity.groups = std::move(*groups);
  } else {
    identity.groups = {identity.gid};
  }
  return identity;
}

}  // namespace ochopod::detail
