// Who may use the UI and how they prove it (docs/ui.md "Access"): the
// one-time login code printed at start, session cookies, the operator and
// viewer tokens (login form and Authorization: Bearer), the CSRF token of
// each session, and the request checks every route runs first (Host
// allow-list, Origin). The HTTP thread calls it; its own mutex guards the
// session table, so it never waits on anything else. Time comes in as an
// argument, so the unit tests drive it without a clock.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ochopod::cli::ui {

using AuthClock = std::chrono::steady_clock;

enum class Role { kViewer, kOperator };

struct Session {
  std::string id;    // the cookie's value
  std::string csrf;  // must come back with every POST (header or form field)
  Role role = Role::kViewer;
  std::string who;  // for the audit log: "code@127.0.0.1", "token@10.0.0.5"
  AuthClock::time_point expires;
};

struct AuthSettings {
  std::string operator_token;  // "": none
  std::string viewer_token;    // "": none
  bool read_only = false;      // every session is a viewer
  std::chrono::seconds code_ttl{600};
  std::chrono::seconds session_ttl{12 * 3600};
  std::vector<std::string> hosts;  // Host names accepted besides loopback ones
};

class Auth {
 public:
  explicit Auth(AuthSettings settings);

  // A fresh one-time login code (128 random bits, hex), valid code_ttl.
  std::string issue_code(AuthClock::time_point now);
  // Exchanges a code (once) for a session; nullopt if unknown, used or expired.
  std::optional<Session> redeem_code(std::string_view code, std::string_view peer,
                                     AuthClock::time_point now);
  // Logs in with a token (constant-time compare); nullopt if it matches none,
  // or while peer is backing off after failures (1 s doubling to 60 s).
  std::optional<Session> login_with_token(std::string_view token, std::string_view peer,
                                          AuthClock::time_point now);
  // The session of a cookie value; nullopt if unknown or expired.
  std::optional<Session> session(std::string_view id, AuthClock::time_point now);
  // A Bearer token for /api/*: a session that lives for this request only.
  // Failures count toward the peer's backoff as the login form's do, so the
  // API is no way around it (hence now; the peer's backoff state is the one
  // thing a const call changes).
  std::optional<Session> bearer(std::string_view token, std::string_view peer,
                                AuthClock::time_point now = AuthClock::now()) const;
  void logout(std::string_view id);

  // The Host header's name (port dropped, [v6] unwrapped) is a loopback name,
  // the listen address or one of settings.hosts. Otherwise the route answers 421.
  bool host_allowed(std::string_view host_header, std::string_view listen_host) const;
  // A cookie session's POST: the CSRF token matches the session's (constant
  // time) and Origin is present and names this Host.
  static bool post_allowed(const Session& session, std::string_view csrf, std::string_view origin,
                           std::string_view host_header);

  bool read_only() const { return settings_.read_only; }

 private:
  // A peer's failed token logins: it may try again from `until`.
  struct Backoff {
    int failures = 0;
    AuthClock::time_point until;
  };

  // The role a token names, if any (constant time); read_only applied.
  std::optional<Role> role_of(std::string_view token) const;
  // Under mu_: whether peer must still wait before trying a token; a failed
  // try, which makes it wait twice as long next time (up to 60 s).
  bool backing_off_locked(const std::string& peer, AuthClock::time_point now) const;
  void failed_locked(const std::string& peer, AuthClock::time_point now) const;
  std::optional<Role> check_token_locked(std::string_view token, const std::string& who,
                                         AuthClock::time_point now) const;
  std::optional<Session> new_session_locked(Role role, std::string who, AuthClock::time_point now);
  // Drops expired codes and sessions and forgotten backoffs; runs at most
  // once a minute, or when a table is full.
  void prune_locked(AuthClock::time_point now, bool force = false);
  void prune_backoff_locked(AuthClock::time_point now) const;

  AuthSettings settings_;  // hosts: lower-cased names, ports and brackets dropped
  mutable std::mutex mu_;
  // Keyed by the SHA-256 of the code or cookie, so a lookup's timing says
  // nothing about the secrets it compares against.
  std::map<std::string, AuthClock::time_point> codes_;  // digest -> expiry
  std::map<std::string, Session> sessions_;             // digest -> session
  mutable std::map<std::string, Backoff> backoff_;      // peer -> state
  AuthClock::time_point next_prune_;
};

// Cookie header parsing: the value of `name`, "" if absent.
std::string cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace ochopod::cli::ui
