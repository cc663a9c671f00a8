// What a process left behind, read from /proc: its descendants (children that
// a pod started, grandchildren...) and whether a pid is still alive. For tests
// about zombies and orphans, and for PodProcess to clean up a pod's children
// when the pod itself was killed.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace ochopod::test {

// All live descendants of pid (children first, then theirs...).
std::vector<pid_t> descendants(pid_t pid);

// Parent pid, nullopt if pid does not exist.
std::optional<pid_t> parent_of(pid_t pid);

// State letter from /proc/<pid>/stat ('R', 'S', 'Z'...), nullopt if gone.
std::optional<char> process_state(pid_t pid);

// Exists and is not a zombie.
bool alive(pid_t pid);

// The name the kernel shows for pid (/proc/<pid>/comm), "" if gone.
std::string comm_of(pid_t pid);

// How many threads of this process the kernel names `name`
// (/proc/self/task/<tid>/comm); -1 when that cannot be read.
int threads_named(const std::string& name);

// A pod's guardian (runtime/process/guardian.h): the pod's direct child whose
// name is "ochopod-guard". Tests that look for the pod's child skip it.
bool is_guardian(pid_t pid);
std::optional<pid_t> guardian_of(pid_t pod);

// Live processes whose environment holds exactly this "KEY=VALUE" entry
// (environments are inherited, so this finds a process tree even after
// reparenting). Only processes of our own user are readable.
std::vector<pid_t> processes_with_env(const std::string& entry);

}  // namespace ochopod::test
