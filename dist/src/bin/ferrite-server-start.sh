#!/usr/bin/env bash
# Starts a Ferrite broker from this installation:
#   bin/ferrite-server-start.sh [-daemon] config/server.properties [--override key=value]...
# In the foreground it is the broker (stop it with Ctrl-C or SIGTERM); with -daemon it runs in the background,
# its output in logs/ferrite.out and its pid in logs/ferrite.pid, for bin/ferrite-server-stop.sh.
# Relative paths in the config (log.dirs=data) are under this installation.
# Environment: JAVA_HOME; FERRITE_OPTS (more JVM options); LOG_DIR (default: logs here). Needs bash 4.4+.
set -euo pipefail

base="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
daemon=false
if [ "${1:-}" = "-daemon" ]; then
  daemon=true
  shift
fi
if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 [-daemon] server.properties [--override key=value]..." >&2
  [ $# -ge 1 ] && echo "no such file: $1" >&2
  exit 1
fi
config="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift

logs="${LOG_DIR:-$base/logs}"
pidfile="$logs/ferrite.pid"
# The foreground broker writes nothing here (it logs to stderr): only a daemon needs the directory.
$daemon && mkdir -p "$logs"
if $daemon && [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null \
    && grep -qa 'io.ferrite.server.Main' "/proc/$(cat "$pidfile")/cmdline" 2>/dev/null; then
  echo "a broker of this installation already runs, pid $(cat "$pidfile")" >&2
  exit 1
fi

mapfile -t jvm < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$base/config/jvm.options")
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# FERRITE_OPTS is a list of options: split on spaces on purpose, but not globbed.
set -f
# shellcheck disable=SC2206
extra=(${FERRITE_OPTS:-})
set +f
cmd=("$java" "${jvm[@]}" "${extra[@]}" "-Dlog4j2.configurationFile=$base/config/log4j2.xml"
  -cp "$base/libs/*" io.ferrite.server.Main "$config" "$@")

cd "$base"
if $daemon; then
  nohup "${cmd[@]}" > "$logs/ferrite.out" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$pidfile"
  sleep 1
  if ! kill -0 "$pid" 2>/dev/null; then # a bad config or a port in use ends it at once
    rm -f "$pidfile"
    echo "Ferrite exited at start; see $logs/ferrite.out" >&2
    tail -n 20 "$logs/ferrite.out" >&2
    exit 1
  fi
  echo "Ferrite started in the background, pid $pid; output in $logs/ferrite.out"
else
  exec "${cmd[@]}"
fi
