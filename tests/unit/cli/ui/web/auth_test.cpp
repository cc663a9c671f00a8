// Who may use the UI: codes, sessions, tokens, backoff and the per-request
// checks (cli/ui/web/auth.h), on a clock the tests move by hand.
#include "cli/ui/web/auth.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ochopod::cli::ui {
namespace {

using std::chrono::seconds;

const AuthClock::time_point kT0 = AuthClock::time_point() + std::chrono::hours(1000);

AuthSettings settings(bool read_only = false) {
  AuthSettings s;
  s.operator_token = "op-token";
  s.viewer_token = "view-token";
  s.read_only = read_only;
  s.code_ttl = seconds(600);
  s.session_ttl = seconds(3600);
  s.hosts = {"dash.example.org", "Proxy.Example.org:443"};
  return s;
}

TEST(UiAuth, ACodeIsRandomHexAndWorksOnce) {
  Auth auth(settings());
  const std::string code = auth.issue_code(kT0);
  EXPECT_EQ(code.size(), 32u) << "128 bits";
  EXPECT_EQ(code.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(auth.issue_code(kT0), code);

  const auto s = auth.redeem_code(code, "127.0.0.1", kT0 + seconds(1));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->role, Role::kOperator);
  EXPECT_EQ(s->who, "code@127.0.0.1");
  EXPECT_EQ(s->id.size(), 64u);
  EXPECT_EQ(s->csrf.size(), 64u);
  EXPECT_NE(s->id, s->csrf);
  EXPECT_EQ(s->expires, kT0 + seconds(1) + seconds(3600));
  EXPECT_FALSE(auth.redeem_code(code, "127.0.0.1", kT0 + seconds(2))) << "single use";
  EXPECT_FALSE(auth.redeem_code("", "127.0.0.1", kT0));
  EXPECT_FALSE(auth.redeem_code("0123456789abcdef0123456789abcdef", "127.0.0.1", kT0));
}

TEST(UiAuth, ACodeExpires) {
  Auth auth(settings());
  const std::string code = auth.issue_code(kT0);
  EXPECT_FALSE(auth.redeem_code(code, "127.0.0.1", kT0 + seconds(600)));
  const std::string fresh = auth.issue_code(kT0);
  EXPECT_TRUE(auth.redeem_code(fresh, "127.0.0.1", kT0 + seconds(599)));
}

TEST(UiAuth, ACodeInReadOnlyModeGivesAViewer) {
  Auth auth(settings(/*read_only=*/true));
  EXPECT_TRUE(auth.read_only());
  const auto s = auth.redeem_code(auth.issue_code(kT0), "::1", kT0);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->role, Role::kViewer);
}

TEST(UiAuth, SessionsExpireAndLogOut) {
  Auth auth(settings());
  const auto s = auth.redeem_code(auth.issue_code(kT0), "127.0.0.1", kT0);
  ASSERT_TRUE(s);
  const auto found = auth.session(s->id, kT0 + seconds(3599));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->csrf, s->csrf);
  EXPECT_EQ(found->role, Role::kOperator);
  EXPECT_FALSE(auth.session(s->id, kT0 + seconds(3600))) << "expired";
  EXPECT_FALSE(auth.session(s->id, kT0)) << "and forgotten";
  EXPECT_FALSE(auth.session("", kT0));
  EXPECT_FALSE(auth.session("nope", kT0));

  const auto other = auth.login_with_token("op-token", "10.0.0.5", kT0);
  ASSERT_TRUE(other);
  EXPECT_TRUE(auth.session(other->id, kT0 + seconds(1)));
  auth.logout(other->id);
  EXPECT_FALSE(auth.session(other->id, kT0 + seconds(1)));
  auth.logout("unknown");  // harmless
}

TEST(UiAuth, TokensGiveTheirRoles) {
  Auth auth(settings());
  const auto op = auth.login_with_token("op-token", "10.0.0.5", kT0);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->role, Role::kOperator);
  EXPECT_EQ(op->who, "token@10.0.0.5");
  const auto viewer = auth.login_with_token("view-token", "10.0.0.6", kT0);
  ASSERT_TRUE(viewer);
  EXPECT_EQ(viewer->role, Role::kViewer);
  EXPECT_FALSE(auth.login_with_token("op-token-", "10.0.0.7", kT0));
  EXPECT_FALSE(auth.login_with_token("", "10.0.0.8", kT0));
}

TEST(UiAuth, NoTokenConfiguredMatchesNothing) {
  AuthSettings s = settings();
  s.operator_token = "";
  s.viewer_token = "";
  Auth auth(s);
  EXPECT_FALSE(auth.login_with_token("", "10.0.0.5", kT0));
  EXPECT_FALSE(auth.bearer("", "10.0.0.6", kT0));
}

TEST(UiAuth, BearerForOperatorAndViewer) {
  Auth auth(settings());
  const auto op = auth.bearer("op-token", "10.0.0.5", kT0);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->role, Role::kOperator);
  EXPECT_EQ(op->who, "bearer@10.0.0.5");
  EXPECT_TRUE(op->id.empty()) << "no cookie session";
  const auto viewer = auth.bearer("view-token", "10.0.0.5", kT0);
  ASSERT_TRUE(viewer);
  EXPECT_EQ(viewer->role, Role::kViewer);
  EXPECT_FALSE(auth.bearer("wrong", "10.0.0.9", kT0));
}

TEST(UiAuth, ReadOnlyMakesEveryTokenAViewer) {
  Auth auth(settings(/*read_only=*/true));
  const auto bearer = auth.bearer("op-token", "10.0.0.5", kT0);
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->role, Role::kViewer);
  const auto login = auth.login_with_token("op-token", "10.0.0.5", kT0);
  ASSERT_TRUE(login);
  EXPECT_EQ(login->role, Role::kViewer);
}

TEST(UiAuth, FailedTokensBackOffPerPeer) {
  Auth auth(settings());
  const std::string peer = "10.0.0.5";
  EXPECT_FALSE(auth.login_with_token("bad", peer, kT0));
  // 1 s: even the right token waits.
  EXPECT_FALSE(auth.login_with_token("op-token", peer, kT0 + std::chrono::milliseconds(999)));
  EXPECT_TRUE(auth.login_with_token("op-token", "10.0.0.6", kT0)) << "other peers are not held";
  EXPECT_FALSE(auth.login_with_token("bad", peer, kT0 + seconds(1)));  // now 2 s
  EXPECT_FALSE(auth.login_with_token("op-token", peer, kT0 + seconds(2)));
  EXPECT_FALSE(auth.login_with_token("bad", peer, kT0 + seconds(3)));  // now 4 s
  EXPECT_FALSE(auth.login_with_token("op-token", peer, kT0 + seconds(6)));
  EXPECT_FALSE(auth.bearer("op-token", peer, kT0 + seconds(6))) << "Bearer is held too";
  EXPECT_TRUE(auth.login_with_token("op-token", peer, kT0 + seconds(7)));
  // A success forgets the failures: the next one waits 1 s again.
  EXPECT_FALSE(auth.login_with_token("bad", peer, kT0 + seconds(10)));
  EXPECT_TRUE(auth.login_with_token("op-token", peer, kT0 + seconds(11)));
}

TEST(UiAuth, BackoffDoublesUpToAMinute) {
  Auth auth(settings());
  const std::string peer = "10.0.0.5";
  auto t = kT0;
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(auth.login_with_token("bad", peer, t));
    t += seconds(61);  // past any backoff
  }
  EXPECT_FALSE(auth.bearer("bad", peer, t));
  EXPECT_FALSE(auth.login_with_token("op-token", peer, t + seconds(59)));
  EXPECT_TRUE(auth.login_with_token("op-token", peer, t + seconds(60))) << "capped at 60 s";
}

TEST(UiAuth, BearerFailuresCountToo) {
  Auth auth(settings());
  EXPECT_FALSE(auth.bearer("bad", "10.0.0.5", kT0));
  EXPECT_FALSE(auth.login_with_token("op-token", "10.0.0.5", kT0 + std::chrono::milliseconds(500)));
  EXPECT_TRUE(auth.bearer("op-token", "10.0.0.5", kT0 + seconds(1)));
}

TEST(UiAuth, TheSessionTableIsBounded) {
  Auth auth(settings());
  std::string first;
  for (int i = 0; i < 10050; ++i) {
    const auto s =
        auth.login_with_token("op-token", "10.0.0.5", kT0 + std::chrono::milliseconds(i));
    ASSERT_TRUE(s);
    if (i == 0) first = s->id;
  }
  EXPECT_FALSE(auth.session(first, kT0 + seconds(20))) << "the oldest made room";
}

TEST(UiAuth, HostAllowList) {
  Auth auth(settings());
  const std::string listen = "192.168.1.10";
  EXPECT_TRUE(auth.host_allowed("localhost", listen));
  EXPECT_TRUE(auth.host_allowed("localhost:8090", listen));
  EXPECT_TRUE(auth.host_allowed("LOCALHOST:1", listen));
  EXPECT_TRUE(auth.host_allowed("127.0.0.1:8090", listen));
  EXPECT_TRUE(auth.host_allowed("127.3.4.5", listen));
  EXPECT_TRUE(auth.host_allowed("[::1]:1", listen));
  EXPECT_TRUE(auth.host_allowed("[::1]", listen));
  EXPECT_TRUE(auth.host_allowed("192.168.1.10:8090", listen)) << "the listen address";
  EXPECT_TRUE(auth.host_allowed("dash.example.org", listen)) << "--allow-host";
  EXPECT_TRUE(auth.host_allowed("Dash.Example.Org:8443", listen));
  EXPECT_TRUE(auth.host_allowed("proxy.example.org", listen)) << "an allow-host's port is dropped";

  EXPECT_FALSE(auth.host_allowed("", listen));
  EXPECT_FALSE(auth.host_allowed("evil.com", listen));
  EXPECT_FALSE(auth.host_allowed("evil.com:8090", listen));
  EXPECT_FALSE(auth.host_allowed("localhost.evil.com", listen));
  EXPECT_FALSE(auth.host_allowed("127.0.0.1.evil.com", listen));
  EXPECT_FALSE(auth.host_allowed("128.0.0.1", listen));
  EXPECT_FALSE(auth.host_allowed("::1", listen)) << "an IPv6 Host needs its brackets";
  EXPECT_FALSE(auth.host_allowed("[::1", listen));
  EXPECT_FALSE(auth.host_allowed("localhost:80x", listen));
  EXPECT_FALSE(auth.host_allowed(":8090", listen));
  EXPECT_FALSE(auth.host_allowed("dash.example.org.evil.com", listen));
}

TEST(UiAuth, AnIpv6ListenAddressIsAllowed) {
  Auth auth(AuthSettings{});
  EXPECT_TRUE(auth.host_allowed("[fd00::5]:8090", "fd00::5"));
  EXPECT_TRUE(auth.host_allowed("[fd00::5]:8090", "[fd00::5]"));
  EXPECT_FALSE(auth.host_allowed("[fd00::6]:8090", "fd00::5"));
}

TEST(UiAuth, PostNeedsTheCsrfTokenAndTheOrigin) {
  Session s;
  s.csrf = "c0ffee";
  const std::string host = "127.0.0.1:8090";
  EXPECT_TRUE(Auth::post_allowed(s, "c0ffee", "http://127.0.0.1:8090", host));
  EXPECT_TRUE(Auth::post_allowed(s, "c0ffee", "https://127.0.0.1:8090", host));
  EXPECT_FALSE(Auth::post_allowed(s, "c0ffe", "http://127.0.0.1:8090", host)) << "wrong csrf";
  EXPECT_FALSE(Auth::post_allowed(s, "", "http://127.0.0.1:8090", host)) << "missing csrf";
  EXPECT_FALSE(Auth::post_allowed(s, "c0ffee", "", host)) << "missing Origin";
  EXPECT_FALSE(Auth::post_allowed(s, "c0ffee", "null", host));
  EXPECT_FALSE(Auth::post_allowed(s, "c0ffee", "http://evil.com", host)) << "wrong Origin";
  EXPECT_FALSE(Auth::post_allowed(s, "c0ffee", "http://127.0.0.1:8091", host));
  EXPECT_FALSE(Auth::post_allowed(s, "c0ffee", "http://127.0.0.1:8090/", host));
  EXPECT_FALSE(Auth::post_allowed(s, "c0ffee", "http://", "")) << "no Host";
  Session no_csrf;
  EXPECT_FALSE(Auth::post_allowed(no_csrf, "", "http://127.0.0.1:8090", host))
      << "a session without a CSRF token (Bearer) never passes";
}

TEST(UiAuth, CookieValue) {
  EXPECT_EQ(cookie_value("a=b; c=d", "a"), "b");
  EXPECT_EQ(cookie_value("a=b; c=d", "c"), "d");
  EXPECT_EQ(cookie_value("a=b;c=d", "c"), "d");
  EXPECT_EQ(cookie_value("  a = b ;  c=d  ", "a"), "b");
  EXPECT_EQ(cookie_value("a=b; c=d", "e"), "");
  EXPECT_EQ(cookie_value("", "a"), "");
  EXPECT_EQ(cookie_value("xa=1; a=2", "a"), "2") << "whole names only";
  EXPECT_EQ(cookie_value("a=x=y", "a"), "x=y");
  EXPECT_EQ(cookie_value("a=\"q\"", "a"), "q");
  EXPECT_EQ(cookie_value("a=1; a=2", "a"), "1");
  EXPECT_EQ(cookie_value("junk; a=1", "a"), "1");
}

}  // namespace
}  // namespace ochopod::cli::ui
