// Multipart form bodies (RFC 7578) as /exec receives its uploads.
//
// Boost.Beast has no multipart parser, so this is ours: strict and bounded.
// The control server calls it on its I/O thread with a body already capped by
// max_body; it copies each part once and never allocates past the caps. A
// body that does not follow the format exactly is refused with a reason, the
// caller answers 400.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/control/server.h"

namespace ochopod {

struct MultipartLimits {
  size_t max_parts = 64;
  size_t max_part_headers = 8 * 1024;  // bytes of one part's header block
};

struct MultipartResult {
  std::vector<Upload> uploads;  // field name -> content, in body order
  std::string error;            // empty when the body parsed
  bool ok() const { return error.empty(); }
};

// The boundary of a `multipart/form-data; boundary=...` Content-Type, or ""
// when the type is not multipart/form-data or the boundary is missing or bad.
std::string multipart_boundary(std::string_view content_type);

// Splits body into its parts: each must carry `Content-Disposition: form-data`
// with a name; the closing delimiter is mandatory.
MultipartResult parse_multipart(std::string_view body, std::string_view boundary,
                                const MultipartLimits& limits = {});

}  // namespace ochopod
