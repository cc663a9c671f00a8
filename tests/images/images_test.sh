#!/usr/bin/env bash
# The container images run for real (podman, host network, loopback only):
#   0. on a clean Debian 12 root (localhost/debian:12), the ochopod and
#      libochopod-dev packages install with only their declared Depends (and
#      a compiler), `ochopod run --help` runs, and examples/shell builds with
#      find_package(ochopod) and answers /info;
#   1. the base pod image with no ZooKeeper is a solo pod: /info answers,
#      ochopod is PID 1, its child runs, and orphans the child leaves behind
#      are reaped (no zombie remains);
#   2. three containers of the ZooKeeper example against a test ZooKeeper
#      form a working ensemble (a write through one server is read through
#      another) and `ochopod ls` shows the cluster;
#   3. `podman stop` of the leader's container: its registration vanishes at
#      once, another pod leads, the container exits 0 within its grace.
# Prints the figures (start to /info, ensemble formation, stop to
# registration gone). Runs scripts/images first (reuses what it built).
#   images_test.sh <source dir>      (exit 77: skipped, no podman)
set -euo pipefail
source_dir="$1"
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! command -v podman >/dev/null && ! command -v apt-get >/dev/null; then
  echo "SKIPPED: no podman and no apt-get to install it"
  exit 77
fi
"$source_dir/scripts/images" >/tmp/ochopod-images-build.log 2>&1 \
  || { tail -n 30 /tmp/ochopod-images-build.log >&2; fail "scripts/images failed"; }
# shellcheck source=docker/podman-env.sh
source "$source_dir/docker/podman-env.sh"
ochopod="$source_dir/build-package/bin/ochopod"  # the binary the packages hold
[ -x "$ochopod" ] || fail "no $ochopod after scripts/images"

work="$(mktemp -d /tmp/ochopod-images-test-XXXXXX)"
tag="ochopod-test-$$"
zk_pid=""
cleanup() {
  local ids
  ids="$(podman_ ps -aq --filter "label=$tag" 2>/dev/null || true)"
  # shellcheck disable=SC2086
  [ -n "$ids" ] && podman_ rm -f -t 0 $ids >/dev/null 2>&1
  if [ -n "$zk_pid" ]; then kill -TERM "$zk_pid" 2>/dev/null || true; wait "$zk_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
http_get() {  # <url>: the body, or non-zero when it does not answer in 1 s
  python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=1).read().decode())' "$1" 2>/dev/null
}
# wait_for <seconds> <what> <command...>: polls the command until it
# succeeds; fails the test naming what did not happen by the deadline.
wait_for() {
  local limit="$1" what="$2" start
  shift 2
  start="$(now)"
  until "$@" >/dev/null; do
    if awk -v s="$start" -v n="$(now)" -v l="$limit" 'BEGIN { exit !(n - s > l) }'; then
      fail "$what did not happen within ${limit} s"
    fi
    sleep 0.1
  done
}
run_() { podman_ run -d --network host --label "$tag" "$@"; }
# What runs inside a container: "<pid> <ppid> <state> <cmdline>" per process
# (minbase has no ps).
processes() {
  podman_ exec "$1" sh -c 'for p in /proc/[0-9]*; do
      s="$(cat "$p/stat" 2>/dev/null)" || continue
      set -- ${s##*) }
      echo "${p#/proc/} $2 $1 $(tr "\0" " " < "$p/cmdline")"
    done'
}

# 0. The packages on a clean root.
debs="$source_dir/build-package/debs"
port="$(free_port)"
t0="$(now)"
podman_ run --rm --network host --label "$tag" -v "$debs:/debs:ro" -v "$source_dir/examples/shell:/src:ro" \
  -e port="$port" localhost/debian:12 bash -c '
    set -e
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      /debs/ochopod_*.deb /debs/libochopod-dev_*.deb g++ cmake make >/tmp/apt.log 2>&1 \
      || { tail -n 20 /tmp/apt.log; exit 1; }
    ochopod run --help | grep -q -- --grace
    cmake -S /src -B /tmp/shell -DCMAKE_BUILD_TYPE=Release >/tmp/cmake.log || { cat /tmp/cmake.log; exit 1; }
    cmake --build /tmp/shell -j 2 >/tmp/build.log || { cat /tmp/build.log; exit 1; }
    ochopod_port=$port /tmp/shell/shell_pod >/tmp/pod.log 2>&1 &
    for _ in $(seq 200); do  # 20 s for a solo pod to listen
      if exec 3<>"/dev/tcp/127.0.0.1/$port"; then
        printf "GET /info HTTP/1.0\r\n\r\n" >&3
        grep -q "\"state\":\"leader\"" <&3 && exit 0
        break
      fi 2>/dev/null
      sleep 0.1
    done
    cat /tmp/pod.log; exit 1' >"$work/clean-root.log" 2>&1 \
  || { cat "$work/clean-root.log" >&2; fail "the packages on a clean Debian 12 root: install, run --help, build and run examples/shell"; }
echo "clean root: ochopod + libochopod-dev installed with their Depends; examples/shell built and answered /info ($(since "$t0") s)"

# 1. Solo pod, PID 1, child, orphans.
port="$(free_port)"
t0="$(now)"
# Once told (/tmp/orphan), the child leaves an orphan: an inner shell
# backgrounds `sleep 5` and exits, so that sleep is reparented to PID 1,
# which must reap it when it ends.
solo="$(run_ -e ochopod_port="$port" localhost/ochopod:latest --pipe -- \
          sh -c 'until [ -e /tmp/orphan ]; do sleep 0.1; done; sh -c "sleep 5 &"; exec sleep infinity')"
info_answers() { http_get "http://127.0.0.1:$port/info" >"$work/info.json"; }
wait_for 30 "solo pod's /info answering on $port" info_answers
start_to_info="$(since "$t0")"
python3 - "$work/info.json" <<'PY' || fail "solo /info: $(cat "$work/info.json")"
import json, sys
info = json.load(open(sys.argv[1]))
assert info["state"] == "leader", info   # solo: it leads its cluster of one
assert info["process"] == "running", info
PY
processes "$solo" >"$work/ps.txt"
grep -q '^1 0 . /usr/bin/ochopod run ' "$work/ps.txt" || fail "PID 1 is not ochopod: $(cat "$work/ps.txt")"
# PID 1 splits (tini's way): it stays a reaper, its one child is the runtime,
# which runs the pod's child.
runtime_pid="$(awk '$2 == 1 && $4 == "/usr/bin/ochopod" { print $1; exit }' "$work/ps.txt")"
[ -n "$runtime_pid" ] || fail "PID 1 split off no runtime: $(cat "$work/ps.txt")"
grep -Eq "^[0-9]+ $runtime_pid [RS] sh -c until" "$work/ps.txt" \
  || fail "the child does not run under the runtime ($runtime_pid): $(cat "$work/ps.txt")"
echo "solo pod: /info answered $start_to_info s after podman run; PID 1 reaper, runtime $runtime_pid, child running"
podman_ exec "$solo" touch /tmp/orphan
# grep -q reads the listing from a file: in a pipe it can exit at the match
# while podman still writes, and pipefail would turn that SIGPIPE into a miss.
orphan_seen() { processes "$solo" >"$work/ps-now.txt" && grep -aEq '^[0-9]+ 1 . sleep 5 $' "$work/ps-now.txt"; }
wait_for 5 "the orphan 'sleep 5' reparented to PID 1" orphan_seen
# `sleep 5` ends within 5 s; reaped, it leaves /proc; a zombie would stay.
orphan_gone() { processes "$solo" >"$work/ps-now.txt" && ! grep -aEq '^[0-9]+ [0-9]+ . sleep 5 $|^[0-9]+ [0-9]+ Z ' "$work/ps-now.txt"; }
wait_for 15 "the orphan reaped by PID 1 (no zombie left)" orphan_gone
processes "$solo" | grep -E '^[0-9]+ [0-9]+ Z ' && fail "a zombie remains in the solo container"
echo "solo pod: the orphan exited and was reaped, no zombie"
podman_ stop -t 30 "$solo" >/dev/null
code="$(podman_ inspect --format '{{.State.ExitCode}}' "$solo")"
[ "$code" = 0 ] || fail "the solo container exited $code on podman stop, not 0"

# 2. Three containers of the ZooKeeper example.
read -r zk_pid zk_port _ < <("$source_dir/scripts/zookeeper" "$work/zk")
export OCHOPOD_ZK="127.0.0.1:$zk_port"
declare -A pod_of_port client_of
names=()
t0="$(now)"
for _ in 0 1 2; do
  p8080="$(free_port)"
  p2181="$(free_port)"
  id="$(run_ -e ochopod_zk="$OCHOPOD_ZK" -e ochopod_namespace=images -e ochopod_local=true \
          -e ochopod_port=8080 -e PORT_8080="$p8080" -e PORT_2181="$p2181" \
          -e PORT_2888="$(free_port)" -e PORT_3888="$(free_port)" localhost/ochopod-zookeeper:latest)"
  names+=("$id")
  pod_of_port[$p8080]="$id"
  client_of[$id]="$p2181"
done
modes() {  # the three servers' modes, sorted, from their sanity checks
  "$ochopod" poll -j -c images.zookeeper 2>/dev/null | python3 -c '
import json, sys
print(" ".join(sorted(p.get("metrics", {}).get("mode", "") for p in json.load(sys.stdin).values())))'
}
formed() { [ "$(modes)" = "follower follower leader" ]; }
# The leader's damper and each server's check interval are the example's
# defaults; ZooKeeper's JVM start dominates: 180 s is generous.
wait_for 180 "a three-server ensemble (leader + 2 followers)" formed
formation="$(since "$t0")"
echo "zookeeper: three containers formed an ensemble $formation s after the first podman run"
zk_cli() {  # <port> <zkCli command...>
  local port="$1"
  shift
  /usr/share/zookeeper/bin/zkCli.sh -server "127.0.0.1:$port" "$@" 2>/dev/null
}
a="${client_of[${names[0]}]}"
b="${client_of[${names[2]}]}"
zk_cli "$a" create /ochopod-images-test "written-through-$a" >/dev/null
zk_cli "$b" get /ochopod-images-test | grep -q "written-through-$a" \
  || fail "a write through the server on $a is not read through the one on $b"
echo "zookeeper: a write through 127.0.0.1:$a reads back through 127.0.0.1:$b"
"$ochopod" ls -c images.zookeeper | tee "$work/ls.txt"
grep -Eq 'images\.zookeeper +3/3' "$work/ls.txt" || fail "ochopod ls does not show images.zookeeper 3/3"

# 3. Stop the pods' leader (the ochopod leader, not ZooKeeper's).
leader_port() {
  "$ochopod" info -j -c images.zookeeper 2>/dev/null | python3 -c '
import json, sys
pods = [p.get("info", {}) for p in json.load(sys.stdin).values()]
leaders = [p["ports"]["8080"] for p in pods if p.get("state") == "leader"]
sys.exit(0 if len(leaders) == 1 and print(leaders[0]) is None else 1)'
}
wait_for 30 "exactly one pod leading" leader_port
old="$(leader_port)"
leader="${pod_of_port[$old]}"
registrations() {
  "$ochopod" grep -j -c images.zookeeper 2>/dev/null | python3 -c '
import json, sys
print(" ".join(sorted(str(p.get("port", "")) for p in json.load(sys.stdin).values())))'
}
grace=10  # examples/zookeeper's Piped grace
t0="$(now)"
(podman_ stop -t 60 "$leader" >/dev/null; since "$t0" >"$work/stopped") &
stopper=$!
gone() { registrations >"$work/regs-now.txt" && ! grep -qw "$old" "$work/regs-now.txt"; }
# At once: the pod deletes its registration on SIGTERM; waiting for the
# session (5 s, the --session-timeout default) to expire would be too late.
wait_for 5 "the stopped leader's registration vanishing before its session could expire" gone
stop_to_gone="$(since "$t0")"
wait "$stopper"
stop_time="$(cat "$work/stopped")"
code="$(podman_ inspect --format '{{.State.ExitCode}}' "$leader")"
[ "$code" = 0 ] || fail "the leader's container exited $code, not 0"
awk -v t="$stop_time" -v g="$grace" 'BEGIN { exit !(t <= g + 2) }' \
  || fail "the leader's container took $stop_time s to stop, beyond its ${grace} s grace"
new_leader() { local p; p="$(leader_port)" && [ "$p" != "$old" ]; }
wait_for 30 "another pod leading" new_leader
echo "stop: registration gone $stop_to_gone s after podman stop; container exited 0 in $stop_time s;" \
     "pod on $(leader_port) leads"

echo "FIGURES start_to_info=$start_to_info formation=$formation stop_to_gone=$stop_to_gone stop_exit=$stop_time"
echo "images test: ok"
