# Docker for the checks that need containers (scripts/sam-local, the relay image): Debian's docker.io,
# qemu-user-static to run Lambda's arm64 binaries on an x86_64 host, and a local Lambda base image for
# machines that cannot pull AWS's. Source it after lib.sh, do not run it.
#
#   docker_packages       installs docker.io (and qemu-user-static on x86_64) when run as root with apt
#   arm64_emulation       registers qemu for arm64 binaries, usable inside containers (the F flag)
#   docker_daemon         starts dockerd when none answers; stop_docker_daemon stops only that one
#   docker_bridge_ip      the address containers reach the host at (the default bridge's gateway)
#   lambda_base_image     builds $lambda_base_image from Debian's arm64 packages unless it exists

lambda_base_image="${HOOKBOX_LAMBDA_BASE_IMAGE:-hookbox/lambda-base:arm64}"
docker_state="$repo/.dev/docker"
started_dockerd=""

docker_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  if [ "$(uname -m)" = x86_64 ] && [ ! -x /usr/bin/qemu-aarch64-static ]; then
    missing+=(qemu-user-static)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "not installing ${missing[*]} (needs root and apt-get): scripts/sam-local will not run"
    return 0
  fi
  say "installing ${missing[*]} from the distribution's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
}

# On an x86_64 host, arm64 binaries run through qemu-aarch64-static. Debian registers it without the
# F ("fix binary") flag, which looks the interpreter up inside each container, where it is missing:
# register it again with F, so the kernel keeps the host's interpreter open for every container.
arm64_emulation() {
  [ "$(uname -m)" = x86_64 ] || return 0
  [ -x /usr/bin/qemu-aarch64-static ] && [ "$(id -u)" = 0 ] || return 0
  local binfmt=/proc/sys/fs/binfmt_misc
  [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt"
  if [ -e "$binfmt/qemu-aarch64" ]; then
    grep -q '^flags:.*F' "$binfmt/qemu-aarch64" && grep -q 'qemu-aarch64-static' "$binfmt/qemu-aarch64" && return 0
    echo -1 >"$binfmt/qemu-aarch64"
  fi
  say "registering qemu-aarch64-static for arm64 binaries"
  printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F' \
    >"$binfmt/register"
}

# Without the userland proxy, a published port refuses connections until the container listens on it.
# The SAM CLI relies on that: it waits until it can connect, then gives the runtime interface emulator
# three quick tries (0.3 s). With the proxy (Docker's default) the connection succeeds at once, and an
# emulator that starts slowly, as an arm64 one under qemu does, gets no invocation ("No response from
# invoke container"). A dockerd this script did not start keeps its own setting.
docker_daemon() {
  docker info >/dev/null 2>&1 && return 0
  command -v dockerd >/dev/null 2>&1 || { echo "no Docker: run scripts/setup as root, or install Docker" >&2; return 1; }
  mkdir -p "$docker_state"
  say "starting dockerd (log: $docker_state/dockerd.log)"
  setsid dockerd --userland-proxy=false >"$docker_state/dockerd.log" 2>&1 &
  started_dockerd=$!
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && return 0
    kill -0 "$started_dockerd" 2>/dev/null || break
    sleep 0.5
  done
  tail -20 "$docker_state/dockerd.log" >&2
  echo "dockerd did not start within 60 s" >&2
  return 1
}

docker_bridge_ip() {
  docker network inspect bridge --format '{{(index .IPAM.Config 0).Gateway}}'
}

stop_docker_daemon() {
  [ -n "$started_dockerd" ] || return 0
  say "stopping the dockerd this run started"
  kill -TERM "$started_dockerd" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 0.5; done
  started_dockerd=""
}

# AWS's public base image (public.ecr.aws/lambda/provided:al2023) is what `sam local` pulls; where it
# cannot be pulled, this stands in for it: Debian's arm64 C library and libgcc (all the functions link),
# busybox for the /bin/sh that SAM's image build runs, the host's CA bundle where Amazon Linux keeps it
# too, and Lambda's directories. SAM adds AWS's runtime interface emulator on top.
lambda_base_image() {
  docker image inspect "$lambda_base_image" >/dev/null 2>&1 && return 0
  say "building the local Lambda base image $lambda_base_image from Debian's arm64 packages"
  local work="$docker_state/lambda-base"
  rm -rf "$work" && mkdir -p "$work/debs" "$work/rootfs"
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  ( cd "$work/debs" && apt-get download -qq libc6:arm64 libgcc-s1:arm64 busybox-static:arm64 2>/dev/null ) ||
    { apt-get update -qq && ( cd "$work/debs" && apt-get download -qq libc6:arm64 libgcc-s1:arm64 busybox-static:arm64 ); }
  local deb
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/rootfs"; done
  local root="$work/rootfs"
  mkdir -p "$root/etc/ssl/certs" "$root/etc/pki/tls/certs" "$root/tmp" "$root/var/task" "$root/var/runtime" "$root/opt"
  chmod 1777 "$root/tmp"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  ln -sf /etc/ssl/certs/ca-certificates.crt "$root/etc/pki/tls/certs/ca-bundle.crt"
  local applet
  for applet in sh mv chmod cp rm mkdir ls cat env; do ln -sf busybox "$root/bin/$applet"; done
  cat >"$work/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime
WORKDIR /var/task
DOCKERFILE
  docker build --quiet --platform linux/arm64 -t "$lambda_base_image" "$work" >/dev/null
  rm -rf "$work"
}
