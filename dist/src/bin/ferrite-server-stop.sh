#!/usr/bin/env bash
# Stops the broker bin/ferrite-server-start.sh -daemon started from this installation: SIGTERM to the pid in
# logs/ferrite.pid (a clean shutdown: the store is flushed and closed), then waits for it to exit.
# Only that process is signalled, and only if it is still a Ferrite broker.
# Environment: LOG_DIR (as given to the start script); FERRITE_STOP_TIMEOUT seconds to wait (default 60).
# Needs bash 4.4+.
set -euo pipefail

base="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pidfile="${LOG_DIR:-$base/logs}/ferrite.pid"
if [ ! -f "$pidfile" ]; then
  echo "no $pidfile: no broker was started here with -daemon" >&2
  exit 1
fi
pid="$(cat "$pidfile")"
if ! kill -0 "$pid" 2>/dev/null || ! grep -qa 'io.ferrite.server.Main' "/proc/$pid/cmdline" 2>/dev/null; then
  echo "pid $pid is not a running Ferrite broker; removing $pidfile" >&2
  rm -f "$pidfile"
  exit 1
fi
kill -TERM "$pid"
for _ in $(seq 1 $((${FERRITE_STOP_TIMEOUT:-60} * 10))); do
  # Gone, or a zombie nobody reaped yet (its cmdline is empty): either way the broker has exited.
  if ! grep -qa 'io.ferrite.server.Main' "/proc/$pid/cmdline" 2>/dev/null; then
    rm -f "$pidfile"
    echo "Ferrite (pid $pid) stopped"
    exit 0
  fi
  sleep 0.1
done
echo "Ferrite (pid $pid) did not stop within ${FERRITE_STOP_TIMEOUT:-60} s" >&2
exit 1
