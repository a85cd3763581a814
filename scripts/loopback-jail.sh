#!/usr/bin/env bash
# Runs a command in a network namespace of its own that has only the loopback interface, so that
# nothing it does (a connect, a DNS look-up of a made-up name, a child process's probe) can leave
# this machine: anything not on 127.0.0.0/8 or ::1 fails at once with ENETUNREACH or EAI_AGAIN.
# Use it for any test or "quick try" that could aim at another address:
#   scripts/loopback-jail.sh npx vitest run test/security
# Needs root (or unprivileged user namespaces) and util-linux's unshare.
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: scripts/loopback-jail.sh COMMAND [ARGS...]" >&2
  exit 2
fi
if ! command -v unshare >/dev/null 2>&1; then
  echo "loopback-jail: unshare is missing; install it: apt-get install -y util-linux" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  exec unshare --net -- sh -c 'ip link set lo up 2>/dev/null || ifconfig lo up; exec "$@"' loopback-jail "$@"
fi
exec unshare --map-root-user --net -- sh -c 'ip link set lo up; exec "$@"' loopback-jail "$@"
