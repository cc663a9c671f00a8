// Identity: the user and groups a child runs as ("user", "uid",
// "user:group", "uid:gid"), resolved once in the pod so that the forked
// child only has to apply it (spawn.h: setgroups, setgid, setuid, before
// exec).
//
// Called where a child's SpawnRequest is built (`ochopod run --user`, the
// Piped model's `user`), on the lifecycle thread or at boot; it reads the
// passwd and group databases (NSS), so never between fork and exec.
//
// The rules, chosen to match what people expect from Docker's --user and
// from gosu where they agree, and to never grant a group by surprise:
// - a name must exist in passwd ("no such user 'x'"); a number is a uid,
//   with or without a passwd entry (images often run as an arbitrary uid);
// - no group given: the primary group is the passwd entry's, and the
//   supplementary groups are the user's (getgrouplist); a uid without a
//   passwd entry gets gid = uid and no other group (Docker gives gid 0,
//   root's group, which is exactly the surprise to avoid);
// - a group given (name, which must exist, or number): it is the primary
//   group and the only one: an explicit group says exactly what the child
//   may touch;
// - home is the passwd entry's directory, "/" without one (as gosu and
//   runc do); name is the passwd entry's, empty without one.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ochopod::detail {

struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary, the primary included
  std::string name;           // the passwd name; empty for a bare uid
  std::string home;           // the passwd home; "/" for a bare uid
};

// spec as above; nullopt with *error naming the problem ("no such user
// 'x'", "no such group 'y'", "'' is not a user") when it cannot be resolved.
std::optional<Identity> resolve_identity(std::string_view spec, std::string* error);

}  // namespace ochopod::detail
