#include "harness/kazoo.h"

#include <atomic>
#include <nlohmann/json.hpp>

#include "harness/run_capture.h"
#include "harness/spawn.h"

namespace ochopod::test {

namespace {

using namespace std::chrono_literals;

// argv: op hosts path data_hex flag connect_timeout_seconds [user:pass]. Prints one JSON
// object on stdout.
// Exit 0 with {"ok": ...} when ZooKeeper answered; non-zero with a message on
// stderr when the question could not be asked.
constexpr const char* kScript = R"PY(
import json, logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from kazoo.client import KazooClient
from kazoo.security import OPEN_ACL_UNSAFE, make_digest_acl
from kazoo.exceptions import (ConnectionLoss, NoNodeError, NodeExistsError,
                              OperationTimeoutError, SessionExpiredError, ZookeeperError)
op, hosts, path, data_hex, flag, connect_timeout = sys.argv[1:7]
auth = sys.argv[7] if len(sys.argv) > 7 else ''
data = bytes.fromhex(data_hex)
client = KazooClient(hosts=hosts, timeout=10.0,
                     connection_retry=dict(max_tries=-1, delay=0.1, backoff=1.5, max_delay=0.5))
try:
    client.start(timeout=float(connect_timeout))
except Exception as e:
    print('kazoo cannot connect to %s: %r' % (hosts, e), file=sys.stderr)
    sys.exit(3)
try:
    if auth:
        client.add_auth('digest', auth)
    try:
        if op == 'children':
            r = {'ok': True, 'children': client.get_children(path)}
        elif op == 'get':
            value, stat = client.get(path)
            r = {'ok': True, 'data': (value or b'').hex(), 'null': value is None,
                 'ephemeral_owner': stat.ephemeralOwner, 'version': stat.version,
                 'czxid': stat.czxid}
        elif op == 'set':
            try:
                client.set(path, data)
            except NoNodeError:
                try:
                    client.create(path, data, makepath=True)
                except NodeExistsError:
                    client.set(path, data)
            r = {'ok': True}
        elif op == 'create':
            client.create(path, data, ephemeral=(flag == '1'), makepath=True)
            r = {'ok': True}
        elif op == 'create_private':
            user, password = auth.split(':', 1)
            client.create(path, data, acl=[make_digest_acl(user, password, all=True)],
                          makepath=True)
            r = {'ok': True}
        elif op == 'open_acl':
            client.set_acls(path, OPEN_ACL_UNSAFE)
            r = {'ok': True}
        elif op == 'delete':
            client.delete(path, recursive=(flag == '1'))
            r = {'ok': True}
        else:
            print('unknown op ' + op, file=sys.stderr)
            sys.exit(4)
    except (ConnectionLoss, SessionExpiredError, OperationTimeoutError):
        raise
    except NoNodeError:
        r = {'ok': False, 'why': 'nonode'}
    except NodeExistsError:
        r = {'ok': False, 'why': 'exists'}
    except ZookeeperError as e:
        r = {'ok': False, 'why': type(e).__name__}
    print(json.dumps(r), flush=True)
finally:
    client.stop()
    client.close()
)PY";

std::atomic<int64_t> connect_timeout_ms{10000};

nlohmann::json run(const std::string& op, const std::string& zk, const std::string& path,
                   const std::string& data = "", bool flag = false,
                   const std::string& credentials = "") {
  const std::chrono::milliseconds connect(connect_timeout_ms.load());
  const auto result =
      run_capture({"/usr/bin/python3", "-c", kScript, op, zk, path, to_hex(data), flag ? "1" : "0",
                   std::to_string(static_cast<double>(connect.count()) / 1000.0), credentials},
                  connect + 20s);
  const std::string what = "kazoo " + op + " " + path + " on " + zk;
  if (result.timed_out) throw KazooError(what + ": timed out; stderr: " + result.err);
  if (!result.exited_ok()) {
    throw KazooError(what + ": " + describe_status(result.status.value_or(0)) +
                     "; stderr: " + result.err);
  }
  auto reply = nlohmann::json::parse(result.out, nullptr, false);
  if (!reply.is_object() || !reply.contains("ok")) {
    throw KazooError(what + ": unexpected output: " + result.out + "; stderr: " + result.err);
  }
  return reply;
}

}  // namespace

std::optional<std::vector<std::string>> kazoo_children(const std::string& zk,
                                                       const std::string& path) {
  const auto reply = run("children", zk, path);
  if (!reply["ok"].get<bool>()) {
    if (reply.value("why", "") == "nonode") return std::nullopt;
    throw KazooError("kazoo children " + path + ": " + reply.dump());
  }
  return reply["children"].get<std::vector<std::string>>();
}

std::optional<ZNode> kazoo_get(const std::string& zk, const std::string& path) {
  const auto reply = run("get", zk, path);
  if (!reply["ok"].get<bool>()) {
    if (reply.value("why", "") == "nonode") return std::nullopt;
    throw KazooError("kazoo get " + path + ": " + reply.dump());
  }
  ZNode node;
  node.data = from_hex(reply["data"].get<std::string>());
  node.null_data = reply.value("null", false);
  node.ephemeral_owner = reply["ephemeral_owner"].get<int64_t>();
  node.version = reply["version"].get<int>();
  node.czxid = reply.value("czxid", int64_t{0});
  return node;
}

bool kazoo_set(const std::string& zk, const std::string& path, const std::string& data) {
  return run("set", zk, path, data)["ok"].get<bool>();
}

bool kazoo_create(const std::string& zk, const std::string& path, const std::string& data,
                  bool ephemeral) {
  return run("create", zk, path, data, ephemeral)["ok"].get<bool>();
}

bool kazoo_delete(const std::string& zk, const std::string& path, bool recursive) {
  return run("delete", zk, path, "", recursive)["ok"].get<bool>();
}

bool kazoo_create_private(const std::string& zk, const std::string& path,
                          const std::string& credentials) {
  return run("create_private", zk, path, "", false, credentials)["ok"].get<bool>();
}

bool kazoo_open_acl(const std::string& zk, const std::string& path,
                    const std::string& credentials) {
  return run("open_acl", zk, path, "", false, credentials)["ok"].get<bool>();
}

void set_kazoo_connect_timeout(std::chrono::milliseconds timeout) {
  connect_timeout_ms = timeout.count();
}

std::string to_hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 0xf]);
  }
  return hex;
}

std::string from_hex(const std::string& hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("bad hex digit");
  };
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return bytes;
}

}  // namespace ochopod::test
