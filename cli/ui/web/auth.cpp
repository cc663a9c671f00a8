// Who may use the UI (auth.h). Secrets are compared through their SHA-256
// in constant time, so neither their bytes nor their lengths show in the
// timing; every table is bounded, so a flood of logins costs no unbounded
// memory.
#include "cli/ui/web/auth.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>

#include "cli/ui/options.h"
#include "runtime/crypto/digest.h"

namespace ochopod::cli::ui {

namespace {

constexpr size_t kMaxSessions = 10000;
constexpr size_t kMaxCodes = 1000;
constexpr size_t kMaxPeers = 10000;
constexpr auto kPruneEvery = std::chrono::seconds(60);
constexpr auto kFirstBackoff = std::chrono::seconds(1);
constexpr auto kMaxBackoff = std::chrono::seconds(60);
// A peer quiet this long after its backoff ends starts again from 1 s.
constexpr auto kBackoffMemory = std::chrono::minutes(10);

// The SHA-256 of a secret (32 bytes), nullopt if OpenSSL cannot be loaded
// (logged by the crypto module, once).
std::optional<std::string> sha256(std::string_view data) {
  std::string error;
  return digest_of(DigestKind::kSha256, data, &error);
}

// The key a secret is kept under. Without a digest, a key that nothing
// will ever look up again: the secret does not work, rather than all of
// them matching one key.
std::string digest_key(std::string_view secret) {
  static std::atomic<uint64_t> unmatchable{0};
  if (auto digest = sha256(secret)) return std::move(*digest);
  return "no digest " + std::to_string(++unmatchable);
}

// Equal and not empty, in time that depends on neither.
bool same_secret(std::string_view given, std::string_view expected) {
  const auto a = sha256(given);
  const auto b = sha256(expected);
  return a && b && equal_in_constant_time(*a, *b) && !given.empty() && !expected.empty();
}

// The kernel's CSPRNG, as OpenSSL's own is seeded from.
bool kernel_random(char* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::getrandom(out + done, size - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Where getrandom(2) is refused (an old seccomp profile).
bool read_urandom(unsigned char* out, size_t size) {
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, out + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return done == size;
}

// `bytes` random bytes as hex; "" if the kernel has none to give (then no code or session is made
// at all rather than a guessable one).
std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (!kernel_random(raw.data(), raw.size()) &&
      !read_urandom(reinterpret_cast<unsigned char*>(raw.data()), raw.size())) {
    return "";
  }
  return to_hex(raw);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The name of a Host header (or of a --allow-host): lower-cased, without its
// port and without the brackets of an IPv6 literal; nullopt if empty or
// malformed (a bare IPv6 literal, a port that is not digits).
std::optional<std::string> host_name(std::string_view host) {
  std::string_view name;
  std::string_view rest;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    name = host.substr(1, close - 1);
    rest = host.substr(close + 1);
  } else {
    const size_t colon = host.find(':');
    name = host.substr(0, colon);
    if (colon != std::string_view::npos) rest = host.substr(colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':') return std::nullopt;
    rest.remove_prefix(1);
    if (!std::all_of(rest.begin(), rest.end(), [](unsigned char c) { return std::isdigit(c); })) {
      return std::nullopt;
    }
  }
  if (name.empty()) return std::nullopt;
  return lower(name);
}

}  // namespace

Auth::Auth(AuthSettings settings) : settings_(std::move(settings)) {
  std::vector<std::string> hosts;
  for (const auto& h : settings_.hosts) {
    if (auto name = host_name(h)) hosts.push_back(std::move(*name));
  }
  settings_.hosts = std::move(hosts);
}

std::string Auth::issue_code(AuthClock::time_point now) {
  std::string code = random_hex(16);
  if (code.empty()) return code;
  std::lock_guard lock(mu_);
  prune_locked(now, codes_.size() >= kMaxCodes);
  if (codes_.size() >= kMaxCodes) {
    // Still full of live codes: the oldest goes, the newest printed one works.
    auto oldest = std::min_element(codes_.begin(), codes_.end(), [](const auto& a, const auto& b) {
      return a.second < b.second;
    });
    codes_.erase(oldest);
  }
  codes_[digest_key(code)] = now + settings_.code_ttl;
  return code;
}

std::optional<Session> Auth::redeem_code(std::string_view code, std::string_view peer,
                                         AuthClock::time_point now) {
  if (code.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  prune_locked(now);
  const auto it = codes_.find(digest_key(code));
  if (it == codes_.end()) return std::nullopt;
  const bool live = now < it->second;
  codes_.erase(it);  // used or expired, it never works again
  if (!live) return std::nullopt;
  return new_session_locked(settings_.read_only ? Role::kViewer : Role::kOperator,
                            "code@" + std::string(peer), now);
}

// The token's role, counting a failure against the peer's backoff (and
// refusing while it lasts), forgetting its failures on a success.
std::optional<Role> Auth::check_token_locked(std::string_view token, const std::string& who,
                                             AuthClock::time_point now) const {
  if (backing_off_locked(who, now)) return std::nullopt;
  const auto role = role_of(token);
  if (!role) {
    failed_locked(who, now);
    return std::nullopt;
  }
  backoff_.erase(who);
  return role;
}

std::optional<Session> Auth::login_with_token(std::string_view token, std::string_view peer,
                                              AuthClock::time_point now) {
  const std::string who(peer);
  std::lock_guard lock(mu_);
  prune_locked(now);
  const auto role = check_token_locked(token, who, now);
  if (!role) return std::nullopt;
  return new_session_locked(*role, "token@" + who, now);
}

std::optional<Session> Auth::session(std::string_view id, AuthClock::time_point now) {
  if (id.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  prune_locked(now);
  const auto it = sessions_.find(digest_key(id));
  if (it == sessions_.end()) return std::nullopt;
  if (now >= it->second.expires) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

std::optional<Session> Auth::bearer(std::string_view token, std::string_view peer,
                                    AuthClock::time_point now) const {
  const std::string who(peer);
  std::lock_guard lock(mu_);
  const auto role = check_token_locked(token, who, now);
  if (!role) return std::nullopt;
  // No cookie, so no id or CSRF token: a bearer request is not a browser's.
  Session s;
  s.role = *role;
  s.who = "bearer@" + who;
  s.expires = now;
  return s;
}

void Auth::logout(std::string_view id) {
  std::lock_guard lock(mu_);
  sessions_.erase(digest_key(id));
}

bool Auth::host_allowed(std::string_view host_header, std::string_view listen_host) const {
  const auto name = host_name(host_header);
  if (!name) return false;
  if (is_loopback(*name)) return true;
  std::string_view listen = listen_host;
  if (listen.size() >= 2 && listen.front() == '[' && listen.back() == ']') {
    listen = listen.substr(1, listen.size() - 2);
  }
  if (!listen.empty() && *name == lower(listen)) return true;
  return std::find(settings_.hosts.begin(), settings_.hosts.end(), *name) != settings_.hosts.end();
}

bool Auth::post_allowed(const Session& session, std::string_view csrf, std::string_view origin,
                        std::string_view host_header) {
  if (!same_secret(csrf, session.csrf)) return false;
  if (origin.empty() || host_header.empty()) return false;
  const std::string host(host_header);
  return origin == "http://" + host || origin == "https://" + host;
}

std::optional<Role> Auth::role_of(std::string_view token) const {
  // Both compared, whatever the first says: the time is the same either way.
  const bool op = same_secret(token, settings_.operator_token);
  const bool viewer = same_secret(token, settings_.viewer_token);
  if (op) return settings_.read_only ? Role::kViewer : Role::kOperator;
  if (viewer) return Role::kViewer;
  return std::nullopt;
}

bool Auth::backing_off_locked(const std::string& peer, AuthClock::time_point now) const {
  const auto it = backoff_.find(peer);
  return it != backoff_.end() && now < it->second.until;
}

void Auth::failed_locked(const std::string& peer, AuthClock::time_point now) const {
  auto it = backoff_.find(peer);
  if (it == backoff_.end()) {
    if (backoff_.size() >= kMaxPeers) prune_backoff_locked(now);
    it = backoff_.emplace(peer, Backoff{}).first;
  }
  Backoff& b = it->second;
  b.failures = std::min(b.failures + 1, 16);  // 2^6 s is past the cap already
  const auto delay =
      std::min<AuthClock::duration>(kFirstBackoff * (1 << (b.failures - 1)), kMaxBackoff);
  b.until = now + delay;
}

std::optional<Session> Auth::new_session_locked(Role role, std::string who,
                                                AuthClock::time_point now) {
  Session s;
  s.id = random_hex(32);
  s.csrf = random_hex(32);
  if (s.id.empty() || s.csrf.empty()) return std::nullopt;
  s.role = role;
  s.who = std::move(who);
  s.expires = now + settings_.session_ttl;
  if (sessions_.size() >= kMaxSessions) prune_locked(now, /*force=*/true);
  if (sessions_.size() >= kMaxSessions) {
    // Full of live sessions (someone holding a token logs in in a loop): the
    // one that would expire first goes, so memory stays bounded and the
    // newest login works.
    auto first = std::min_element(
        sessions_.begin(), sessions_.end(),
        [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
    sessions_.erase(first);
  }
  sessions_[digest_key(s.id)] = s;
  return s;
}

void Auth::prune_locked(AuthClock::time_point now, bool force) {
  if (!force && now < next_prune_) return;
  next_prune_ = now + kPruneEvery;
  std::erase_if(codes_, [now](const auto& entry) { return now >= entry.second; });
  std::erase_if(sessions_, [now](const auto& entry) { return now >= entry.second.expires; });
  prune_backoff_locked(now);
}

void Auth::prune_backoff_locked(AuthClock::time_point now) const {
  std::erase_if(backoff_,
                [now](const auto& entry) { return now >= entry.second.until + kBackoffMemory; });
  if (backoff_.size() < kMaxPeers) return;
  // Still full: a flood from many addresses. The peer free soonest is forgotten.
  auto first = std::min_element(backoff_.begin(), backoff_.end(), [](const auto& a, const auto& b) {
    return a.second.until < b.second.until;
  });
  backoff_.erase(first);
}

std::string cookie_value(std::string_view cookie_header, std::string_view name) {
  const auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  while (!cookie_header.empty()) {
    const size_t semi = cookie_header.find(';');
    const std::string_view pair = trim(cookie_header.substr(0, semi));
    cookie_header =
        semi == std::string_view::npos ? std::string_view() : cookie_header.substr(semi + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return "";
}

}  // namespace ochopod::cli::ui
