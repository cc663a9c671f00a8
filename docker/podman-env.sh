# shellcheck shell=bash
# Sourced by scripts/images and the images test: one definition of how podman
# is called here (runc, cgroupfs, our containers.conf; containers then run
# with --network host).
ochopod_docker_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="$ochopod_docker_dir/containers.conf"
podman_cmd=(podman --runtime runc --cgroup-manager cgroupfs)
podman_() { "${podman_cmd[@]}" "$@"; }
