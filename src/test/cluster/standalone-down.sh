#!/usr/bin/env bash
# Stops the cluster started by standalone-up.sh: exactly the processes recorded in $RUN_DIR/pids,
# Workers first (they stop their executors; executor JVMs still alive afterwards are stopped too),
# then the Master. TERM first, KILL after STOP_TIMEOUT s (default 20); returns when all are gone.
#
#   src/test/cluster/standalone-down.sh          Env: RUN_DIR (default <project>/target/standalone)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(cd "$here/../../.." && pwd)"
RUN_DIR="${RUN_DIR:-$project/target/standalone}"
grace="${STOP_TIMEOUT:-20}"

if [ ! -s "$RUN_DIR/pids" ]; then
  echo "standalone-down: nothing to stop ($RUN_DIR/pids is missing or empty)"
  rm -f "$RUN_DIR/pids"
  exit 0
fi

# True if pid is a running Spark JVM (guards against signalling a recycled pid).
is_spark_jvm() {
  [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline" | grep -q 'org\.apache\.spark\.'
}
# True until the process has exited (a zombie waiting to be reaped counts as exited).
is_running() {
  local pid comm state rest
  read -r pid comm state rest 2>/dev/null < "/proc/$1/stat" || return 1
  [ "$state" != Z ]
}
children_of() {
  local stat pid comm state ppid rest
  for stat in /proc/[0-9]*/stat; do
    # /proc/<pid>/stat: pid (comm) state ppid ...; a java child's comm has no spaces
    read -r pid comm state ppid rest 2>/dev/null < "$stat" || continue
    [ "$ppid" = "$1" ] && echo "$pid"
  done
  return 0
}
stop() {  # stop <pid>... : TERM, wait, KILL; only pids that are Spark JVMs now
  local pid deadline=$((SECONDS + grace)) left ours=()
  for pid in "$@"; do
    if is_spark_jvm "$pid"; then
      ours+=("$pid")
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  [ "${#ours[@]}" -gt 0 ] || return 0
  while :; do
    left=()
    for pid in "${ours[@]}"; do is_running "$pid" && left+=("$pid"); done
    [ "${#left[@]}" -eq 0 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "standalone-down: killing ${left[*]} (still running after $grace s)"
      kill -KILL "${left[@]}" 2>/dev/null || true
      deadline=$((SECONDS + 10))
      while [ "$SECONDS" -lt "$deadline" ]; do
        left=()
        for pid in "${ours[@]}"; do is_running "$pid" && left+=("$pid"); done
        [ "${#left[@]}" -eq 0 ] && return 0
        sleep 0.2
      done
      return 0
    fi
    sleep 0.2
  done
}

workers=(); master=()
while read -r pid role; do
  case "$role" in
    master) master+=("$pid") ;;
    *) workers+=("$pid") ;;
  esac
done < "$RUN_DIR/pids"

executors=()
for w in "${workers[@]}"; do
  for c in $(children_of "$w"); do is_spark_jvm "$c" && executors+=("$c"); done
done

[ "${#workers[@]}" -eq 0 ] || stop "${workers[@]}"
[ "${#executors[@]}" -eq 0 ] || stop "${executors[@]}"
[ "${#master[@]}" -eq 0 ] || stop "${master[@]}"

for pid in "${workers[@]}" "${executors[@]}" "${master[@]}"; do
  if is_spark_jvm "$pid" && is_running "$pid"; then
    echo "standalone-down: pid $pid is still running" >&2
    exit 1
  fi
done
rm -f "$RUN_DIR/pids"
echo "standalone-down: all recorded processes are gone (${#workers[@]} worker(s), ${#master[@]} master," \
  "${#executors[@]} executor(s) left by the workers)"
