#!/usr/bin/env bash
# The store's files from the outside, as kafka-storage.sh and kafka-dump-log.sh see a Kafka log directory:
#   bin/ferrite-storage.sh format --config config/server.properties [--cluster-id ID] [--ignore-formatted]
#   bin/ferrite-storage.sh info   --config config/server.properties
#   bin/ferrite-storage.sh check  --config config/server.properties [--force]
#   bin/ferrite-storage.sh dump   --files data/commitlog/00000000000000000000[,...] [--print-data] [--max-batches N]
# Relative paths in the config (log.dirs=data) are under this installation, as for the broker.
# Exit status: 0 done, 1 refused or problems found, 2 a usage error. Environment: JAVA_HOME. Needs bash 4.4+.
set -euo pipefail

base="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

# Paths given relative to where this is run from; the tool runs from the installation, as the broker does.
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config)
      [ $# -ge 2 ] || { echo "--config needs a value" >&2; exit 2; }
      args+=("$1" "$(abs "$2")"); shift 2 ;;
    --files)
      [ $# -ge 2 ] || { echo "--files needs a value" >&2; exit 2; }
      IFS=',' read -r -a files <<< "$2"
      joined=""
      for f in "${files[@]}"; do joined="${joined:+$joined,}$(abs "$f")"; done
      args+=("$1" "$joined"); shift 2 ;;
    *)
      args+=("$1"); shift ;;
  esac
done

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
cd "$base"
exec "$java" -Xmx512m "-Dlog4j2.configurationFile=$base/config/log4j2.xml" -cp "$base/libs/*" \
  io.ferrite.server.tool.StorageTool "${args[@]}"
