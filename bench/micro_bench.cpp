// Micro-benchmarks of the leader's hot paths: the snapshot hash and its
// serialization at 1000 pods, configuration payloads (Cluster::from_payload /
// to_json), parsing one registration, and the HTTP fan-out of a round to 100
// local control endpoints (tiny cpp-httplib servers answering 200).
//
//   build/bin/micro_bench [--benchmark_filter=Hash] [--benchmark_min_time=0.1]
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "models/piped/cluster_file.h"
#include "models/reactive/round.h"
#include "models/reactive/snapshot.h"
#include "models/templates/atomic_file.h"
#include "models/templates/recycled_file.h"
#include "ochopod/cluster.h"
#include "runtime/control/body/payload_cache.h"
#include "runtime/control/server.h"
#include "runtime/http/client.h"

namespace {

using nlohmann::json;

// One control POST as a round sends a whole body, over a new connection:
// the HTTP status, 0 when the pod did not answer.
int post_control(const std::string& url, const std::string& path, const std::string& body,
                 std::chrono::duration<double> timeout, const ochopod::HttpTrust& trust = {}) {
  ochopod::HttpRequest request;
  request.trust = trust;
  request.path = path;
  request.body_parts = {body};
  request.timeout = timeout;
  request.connect_timeout = std::min(timeout, std::chrono::duration<double>(2));
  return ochopod::http_send(url, request).status;
}

// A registration as a local pod writes it (docs/protocol.md 2), with the env
// twins that `ochopod run` copies in.
json registration(int i) {
  char uuid[40];
  std::snprintf(uuid, sizeof uuid, "%08x-%04x-4%03x-8%03x-%012x", 0x1a2b0000u + i, i & 0xffff,
                i & 0xfff, (i * 7) & 0xfff, 0xabc000u + i);
  const int port = 31000 + i;
  return json{{"cluster", "web"},
              {"namespace", "shop"},
              {"ip", "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1)},
              {"public", "54.12." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1)},
              {"port", "8080"},
              {"ports", {{"8080", port}, {"6379", port + 5000}}},
              {"node", "ip-10-0-" + std::to_string(i / 20) + ".ec2.internal"},
              {"application", "shop/web"},
              {"task", std::string("shop_web.") + uuid},
              {"zk", "10.0.0.5:2181,10.0.0.6:2181,10.0.0.7:2181"},
              {"seq", i},
              {"fwk", "marathon"},
              {"binding", "marathon"},
              {"debug", "false"},
              {"local", "false"},
              {"start", "true"},
              {"damper", "30"},
              {"grace", "20"},
              {"pipe", "true"},
              {"check_every", "60"},
              {"uuid_hint", uuid}};
}

std::string key_of(int i) {
  char uuid[40];
  std::snprintf(uuid, sizeof uuid, "%08x-%04x-4%03x-8%03x-%012x", 0x5e000000u + i, i & 0xffff,
                i & 0xfff, (i * 13) & 0xfff, 0xdef000u + i);
  return uuid;
}

json pods(int n) {
  json out = json::object();
  for (int i = 0; i < n; ++i) out[key_of(i)] = registration(i);
  return out;
}

json snapshot_map(int n) { return json{{"local", pods(n)}}; }

void BM_SnapshotHash(benchmark::State& state) {
  const json map = snapshot_map(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(ochopod::snapshot_hash(map));
  state.counters["pods"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_SnapshotHash)->Arg(1000)->Unit(benchmark::kMicrosecond);

// What the leader now does at every change (ClusterView::snapshot_hash):
// each pod's text kept from when its node was read, the newest per uuid
// picked, and the pieces fed to MD5; no map built, nothing dumped.
void BM_SnapshotHashFromKeptTexts(benchmark::State& state) {
  const json local = pods(static_cast<int>(state.range(0)));
  std::map<std::string, std::string> kept;  // node name -> text
  for (auto it = local.begin(); it != local.end(); ++it) {
    kept[it.key() + ".0000000001"] = it->dump();
  }
  for (auto _ : state) {
    std::map<std::string, const std::string*> newest;
    for (const auto& [name, text] : kept) newest[name.substr(0, name.find('.'))] = &text;
    ochopod::SnapshotHasher hasher;
    hasher.add("{\"local\":{");
    bool first = true;
    for (const auto& [uuid, text] : newest) {
      hasher.add(first ? "\"" : ",\"");
      first = false;
      hasher.add(uuid);
      hasher.add("\":");
      hasher.add(*text);
    }
    hasher.add("}}");
    benchmark::DoNotOptimize(hasher.finish());
  }
}
BENCHMARK(BM_SnapshotHashFromKeptTexts)->Arg(1000)->Unit(benchmark::kMicrosecond);

void BM_SnapshotSerialize(benchmark::State& state) {
  const json map = snapshot_map(static_cast<int>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string text = map.dump();
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_SnapshotSerialize)->Arg(1000)->Unit(benchmark::kMicrosecond);

// What a pod does with the body of /control/on: parse, then build its view.
void BM_ClusterFromPayload(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const json payload{{"pods", pods(n)}, {"dependencies", json::object()}, {"key", key_of(n / 2)}};
  for (auto _ : state) benchmark::DoNotOptimize(ochopod::Cluster::from_payload(payload));
}
BENCHMARK(BM_ClusterFromPayload)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

// The same from the body's text, as a pod now reads a large one: simdjson
// reads key, index, seq and size; the pods tree is not built.
void BM_ClusterFromText(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::string text =
      json{{"pods", pods(n)}, {"dependencies", json::object()}, {"key", key_of(n / 2)}}.dump();
  for (auto _ : state) benchmark::DoNotOptimize(ochopod::Cluster::from_text(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ClusterFromText)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

// The leader's side: one pod's configuration payload as JSON text.
void BM_ClusterToJson(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto cluster = ochopod::Cluster::from_payload(
      json{{"pods", pods(n)}, {"dependencies", json::object()}, {"key", key_of(0)}});
  for (auto _ : state) benchmark::DoNotOptimize(cluster.to_json().dump());
}
BENCHMARK(BM_ClusterToJson)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

// A pod's share of one round at n pods (check, on, ok carrying one body):
// what it cost before the body was parsed once a round (each phase parsed
// and built its Cluster, `on` copied it again to write OCHOPOD_CLUSTER's
// file), and now (PayloadCache validates the text and reads its Cluster in
// one simdjson parse, no pods tree, the file's text spliced from the body's). The
// HTTP and the file write itself are left out.
void BM_PodSideOfARound(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const bool once = state.range(1) != 0;
  const std::string body =
      json{{"pods", pods(n)}, {"dependencies", json::object()}, {"key", key_of(n / 2)}}.dump();
  ochopod::PayloadCache cache;
  for (auto _ : state) {
    if (once) {
      ochopod::Payload payload;
      for (const char* task : {"check", "on", "ok"}) {
        payload = cache.parse(body, std::string(task) != "ok");
      }
      // The Cluster the cache read with its one parse, as Piped takes it.
      const ochopod::Cluster* cluster = payload.cluster();
      if (cluster == nullptr) {
        state.SkipWithError("the cache read no Cluster with the body");
        break;
      }
      benchmark::DoNotOptimize(ochopod::detail::cluster_text(*cluster));
    } else {
      for (const char* task : {"check", "on", "ok"}) {
        const auto cluster = ochopod::Cluster::from_payload(json::parse(body));
        if (std::string(task) == "on") benchmark::DoNotOptimize(cluster.to_json().dump());
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_PodSideOfARound)
    ->ArgsProduct({{10, 100, 1000}, {0, 1}})
    ->ArgNames({"pods", "parsed_once"})
    ->Unit(benchmark::kMicrosecond);

// OCHOPOD_CLUSTER written at a round that changed the cluster, at n pods:
// to a new file then a rename (write_file_atomically(), as before), or over
// the version before the last one (RecycledFile, as ClusterFile does). Two
// clusters in turn, so every write writes. In /dev/shm, where the file
// lives unless TMPDIR says otherwise.
void BM_ClusterFileWrite(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const bool recycled = state.range(1) != 0;
  std::string texts[2];
  for (int i = 0; i < 2; ++i) {
    auto map = pods(n);
    map[key_of(0)]["seq"] = 1000 + i;
    texts[i] = json{{"pods", map}, {"key", key_of(0)}}.dump();
  }
  std::string dir = "/dev/shm/ochopod-bench-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("cannot create a directory in /dev/shm");
    return;
  }
  {
    const std::string path = dir + "/cluster.json";
    ochopod::detail::RecycledFile file(path, 0644);
    int i = 0;
    for (auto _ : state) {
      const std::string_view text = texts[i++ % 2];
      if (recycled) {
        file.write({text, "\n"});
      } else {
        ochopod::detail::write_file_atomically(path, {text, "\n"}, 0644);
      }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * texts[0].size()));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ClusterFileWrite)
    ->ArgsProduct({{100, 1000}, {0, 1}})
    ->ArgNames({"pods", "recycled"})
    ->Unit(benchmark::kMicrosecond);

void BM_ParseRegistration(benchmark::State& state) {
  const std::string text = registration(42).dump();
  for (auto _ : state) benchmark::DoNotOptimize(json::parse(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseRegistration)->Unit(benchmark::kMicrosecond);

// 100 tiny control servers on loopback, started once for every fan-out bench.
class Endpoints {
 public:
  explicit Endpoints(int n) {
    for (int i = 0; i < n; ++i) {
      auto server = std::make_unique<httplib::Server>();
      server->new_task_queue = [] { return new httplib::ThreadPool(2); };
      server->Post(R"(/control/.*)", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{}", "application/json");
      });
      const int port = server->bind_to_any_port("127.0.0.1");
      if (port <= 0) throw std::runtime_error("micro_bench: cannot bind a loopback port");
      ports_.push_back(port);
      threads_.emplace_back([s = server.get()] { s->listen_after_bind(); });
      servers_.push_back(std::move(server));
    }
    // Bound already, so connections queue in the backlog; still, wait for
    // every accept loop (cpp-httplib 0.11 has no wait_until_ready).
    for (auto& s : servers_) {
      while (!s->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~Endpoints() {
    for (auto& s : servers_) s->stop();
    for (auto& t : threads_) t.join();
  }
  Endpoints(const Endpoints&) = delete;
  Endpoints& operator=(const Endpoints&) = delete;

  // Registrations pointing at the servers, as run_round reads them.
  json pods() const {
    json out = json::object();
    for (size_t i = 0; i < ports_.size(); ++i) {
      json reg = registration(static_cast<int>(i));
      reg["ip"] = "127.0.0.1";
      reg["ports"] = {{"8080", ports_[i]}};
      out[key_of(static_cast<int>(i))] = std::move(reg);
    }
    return out;
  }
  const std::vector<int>& ports() const { return ports_; }

 private:
  std::vector<std::unique_ptr<httplib::Server>> servers_;
  std::vector<std::thread> threads_;
  std::vector<int> ports_;
};

Endpoints& endpoints() {
  static Endpoints instance(100);
  return instance;
}

// A full round: check, on, ok to 100 pods in parallel (the default plan).
void BM_RunRound(benchmark::State& state) {
  ochopod::RoundPlan plan;
  plan.pods = endpoints().pods();
  plan.grace = std::chrono::duration<double>(5.0);
  plan.sequential = state.range(0) != 0;
  for (auto _ : state) {
    auto result = ochopod::run_round(plan);
    if (!result.ok) {
      state.SkipWithError(result.error.c_str());
      break;
    }
  }
  state.counters["pods"] = static_cast<double>(plan.pods.size());
  state.counters["requests/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * 3 * plan.pods.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RunRound)
    ->ArgName("sequential")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One control POST to each of the 100 endpoints, one after another.
void BM_PostControlSequential(benchmark::State& state) {
  const auto& ports = endpoints().ports();
  const std::string body = R"({"pods":{},"dependencies":{},"key":"x"})";
  for (auto _ : state) {
    for (int port : ports) {
      const int code = post_control("http://127.0.0.1:" + std::to_string(port), "/control/ok/5",
                                    body, std::chrono::seconds(5));
      if (code != 200) {
        state.SkipWithError("post_control did not answer 200");
        return;
      }
    }
  }
  state.counters["requests/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * ports.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PostControlSequential)->Unit(benchmark::kMillisecond)->UseRealTime();

// The pod's own control server (ochopod::ControlServer) answering /info with
// a typical body, to a client that keeps its connection (as wrk and the
// ochothon CLI do) or opens one per request (as the leader's rounds do).
class InfoServer {
 public:
  InfoServer() {
    ochopod::ControlHandlers handlers;
    handlers.info = [] {
      return json{{"application", ""},
                  {"dependencies", json::array()},
                  {"ip", "127.0.0.1"},
                  {"metrics", json::object()},
                  {"node", "local"},
                  {"port", "8080"},
                  {"ports", {{"8080", 31000}}},
                  {"process", "running"},
                  {"public", "127.0.0.1"},
                  {"state", "follower"},
                  {"status", ""},
                  {"task", ""}};
    };
    handlers.log = [] { return json::array(); };
    handlers.reset = [] {};
    handlers.control = [](ochopod::ControlRequest, std::chrono::duration<double>,
                          ochopod::Responder responder) { responder.reply(200); };
    ochopod::ControlServer::Options options;
    options.bind = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<ochopod::ControlServer>(options, std::move(handlers));
    std::string error;
    if (!server_->start(&error)) throw std::runtime_error("micro_bench: " + error);
  }
  int port() const { return server_->port(); }

 private:
  std::unique_ptr<ochopod::ControlServer> server_;
};

InfoServer& info_server() {
  static InfoServer instance;
  return instance;
}

void BM_ControlServerInfo(benchmark::State& state) {
  const bool keep_alive = state.range(0) != 0;
  httplib::Client client("127.0.0.1", info_server().port());
  client.set_keep_alive(keep_alive);
  client.set_tcp_nodelay(true);  // only the server's side is measured
  for (auto _ : state) {
    auto res = client.Post("/info", "", "application/json");
    if (!res || res->status != 200) {
      state.SkipWithError("/info did not answer 200");
      break;
    }
  }
  state.counters["requests/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ControlServerInfo)
    ->ArgName("keep_alive")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// What protecting the control plane costs the leader per pod and phase: one
// http_send (a new connection, as rounds make) to a pod's control server,
// plain, with a control token, and over TLS with the token and the chain
// checked against a CA (here the self-signed certificate itself).
class SecuredServers {
 public:
  SecuredServers() {
    if (::mkdtemp(dir_.data()) == nullptr) throw std::runtime_error("micro_bench: mkdtemp");
    const std::string cert = dir_ + "/cert.pem", key = dir_ + "/key.pem";
    const std::string make =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=bench -keyout " +
        key + " -out " + cert + " 2>/dev/null";
    if (std::system(make.c_str()) != 0) {
      throw std::runtime_error("micro_bench: cannot make a certificate with openssl");
    }
    ca_ = cert;
    for (int mode = 0; mode < 3; ++mode) {
      ochopod::ControlHandlers handlers;
      handlers.control = [](ochopod::ControlRequest, std::chrono::duration<double>,
                            ochopod::Responder responder) { responder.reply(200); };
      ochopod::ControlServer::Options options;
      options.bind = "127.0.0.1";
      options.port = 0;
      if (mode > 0) options.token = kToken;
      if (mode > 1) {
        options.tls_cert = cert;
        options.tls_key = key;
      }
      servers_.push_back(std::make_unique<ochopod::ControlServer>(options, std::move(handlers)));
      std::string error;
      if (!servers_.back()->start(&error)) throw std::runtime_error("micro_bench: " + error);
    }
  }
  ~SecuredServers() {
    servers_.clear();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string url(int mode) const {
    return (mode > 1 ? "https://127.0.0.1:" : "http://127.0.0.1:") +
           std::to_string(servers_[mode]->port());
  }
  ochopod::HttpTrust trust(int mode) const { return {mode > 0 ? kToken : "", mode > 1 ? ca_ : ""}; }

 private:
  static constexpr char kToken[] = "a-control-token-of-some-length-0123456789";
  std::string dir_ = std::filesystem::temp_directory_path().string() + "/ochopod-bench-XXXXXX";
  std::string ca_;
  std::vector<std::unique_ptr<ochopod::ControlServer>> servers_;
};

void BM_ControlCallSecured(benchmark::State& state) {
  static SecuredServers servers;
  const int mode = static_cast<int>(state.range(0));
  const std::string url = servers.url(mode);
  const std::string body = R"({"pods":{},"dependencies":{},"key":"x"})";
  for (auto _ : state) {
    const int code =
        post_control(url, "/control/ok/5", body, std::chrono::seconds(5), servers.trust(mode));
    if (code != 200) {
      state.SkipWithError("the secured control call did not answer 200");
      break;
    }
  }
  state.SetLabel(mode == 0 ? "plain" : mode == 1 ? "token" : "token+tls");
}
BENCHMARK(BM_ControlCallSecured)
    ->ArgName("mode")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
