// write_file_atomically(): how the pod writes files a running child may read
// at any moment (OCHOPOD_CLUSTER, `ochopod run --template` outputs): a
// temporary file beside the target, then a rename, so a reader sees the old
// file or the new one, never half of one. Called on the lifecycle thread.
#pragma once

#include <sys/types.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace ochopod::detail {

// Replaces `path` with `content`, mode `mode` (e.g. 0644). The temporary file
// (`.<name>.XXXXXX` in the same directory) is removed on failure. Throws
// std::runtime_error naming the path and the reason.
void write_file_atomically(const std::string& path, std::string_view content, mode_t mode);
// The same with content in pieces written one after the other, so a large
// one (a cluster's pods map) is not copied into a whole first.
void write_file_atomically(const std::string& path, std::initializer_list<std::string_view> parts,
                           mode_t mode);

// `.<name><suffix>` beside path: a sibling hidden and suffixed, so a child
// loading `*.json` or `*.conf` from that directory never picks it up.
// Shared with RecycledFile (its spare).
std::string hidden_sibling(const std::string& path, std::string_view suffix);

// Writes parts one after the other into fd from offset 0; returns the
// bytes written, or -1 with errno set. Shared with RecycledFile
// (recycled_file.h).
off_t write_parts(int fd, std::initializer_list<std::string_view> parts);

}  // namespace ochopod::detail
