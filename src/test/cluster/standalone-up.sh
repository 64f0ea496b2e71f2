#!/usr/bin/env bash
# Starts a loopback-only Spark standalone cluster: one Master and N Workers, each a separate JVM
# run from an assembled SPARK_HOME (see assemble-spark-home.sh) with Spark's module flags.
#
#   src/test/cluster/standalone-up.sh [WORKERS=2] [CORES_PER_WORKER=1] [MEMORY_PER_WORKER=1g]
#
# The Master and its web UI bind free ports chosen by the OS (no clashes with other clusters on the
# machine); the actual ones are read from the Master's log. Returns once every Worker is registered
# (polled from the Master's JSON at http://127.0.0.1:<ui port>/json/), or fails after UP_TIMEOUT s,
# stopping what it started.
#
# Env: SPARK_HOME  (default <project>/target/spark-home)
#      RUN_DIR     (default <project>/target/standalone) gets:
#                    pids          "<pid> <role>" per daemon, Master first (read by standalone-down.sh)
#                    cluster.env   MASTER_URL=spark://127.0.0.1:<port>, MASTER_WEBUI_URL=http://127.0.0.1:<port>
#                    logs/         master.log, worker<i>.log
#                    work/worker<i>/<app id>/<executor id>/{stdout,stderr}   executor logs
#      UP_TIMEOUT  seconds (default 90)
#      DAEMON_MEMORY heap of each daemon (default 256m)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(cd "$here/../../.." && pwd)"
workers="${1:-2}"
cores="${2:-1}"
memory="${3:-1g}"
timeout_s="${UP_TIMEOUT:-90}"

export SPARK_HOME="${SPARK_HOME:-$project/target/spark-home}"
export SPARK_SCALA_VERSION=2.13          # spark-launcher (daemons, executor commands) requires it
export SPARK_LOCAL_IP=127.0.0.1          # bind to loopback only ...
export SPARK_LOCAL_HOSTNAME=127.0.0.1    # ... and advertise 127.0.0.1, not the machine's hostname
unset SPARK_CONF_DIR SPARK_MASTER_HOST SPARK_MASTER_PORT SPARK_MASTER_WEBUI_PORT SPARK_WORKER_WEBUI_PORT \
      SPARK_WORKER_DIR SPARK_WORKER_CORES SPARK_WORKER_MEMORY SPARK_WORKER_OPTS SPARK_DIST_CLASSPATH

[ -f "$SPARK_HOME/jars/.assembled" ] && [ -f "$SPARK_HOME/conf/java-module-options" ] || {
  echo "standalone-up: $SPARK_HOME is not an assembled Spark home; run assemble-spark-home.sh first" >&2; exit 1; }
# Plain java rather than bin/spark-class: one JVM start less per daemon. C1 only and serial GC make
# these short-lived daemons start faster on small machines.
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
read -r -a daemon_jvm < "$SPARK_HOME/conf/java-module-options"
daemon_jvm=("$java" "${daemon_jvm[@]}" "-Xmx${DAEMON_MEMORY:-256m}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC
            -Dspark.master.rest.enabled=false -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*")

# Running (an exited child not yet reaped, a zombie, does not count).
alive() {
  local pid comm state rest
  read -r pid comm state rest 2>/dev/null < "/proc/$1/stat" || return 1
  [ "$state" != Z ]
}

RUN_DIR="${RUN_DIR:-$project/target/standalone}"
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
if [ -s "$RUN_DIR/pids" ]; then
  while read -r pid role; do
    if alive "$pid" && tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -q 'org\.apache\.spark\.'; then
      echo "standalone-up: $role (pid $pid) from $RUN_DIR/pids is still running; run standalone-down.sh first" >&2
      exit 1
    fi
  done < "$RUN_DIR/pids"
fi
rm -rf "$RUN_DIR/work" "$RUN_DIR/cluster.env" "$RUN_DIR/logs/master.log" "$RUN_DIR"/logs/worker*.log
mkdir -p "$RUN_DIR/logs" "$RUN_DIR/work"
: > "$RUN_DIR/pids"

started=$SECONDS
fail() {
  echo "standalone-up: $*" >&2
  for log in "$RUN_DIR/logs/master.log" "$RUN_DIR"/logs/worker*.log; do
    [ -f "$log" ] && { echo "---- last lines of $log" >&2; tail -n 15 "$log" >&2; }
  done
  "$here/standalone-down.sh" >&2 || true
  exit 1
}

# GET http://127.0.0.1:<port><path> (curl when available, else bash's /dev/tcp).
http_get() {
  if command -v curl > /dev/null 2>&1; then
    curl -fsS --max-time 5 "http://127.0.0.1:$1$2"
  else
    local response
    response="$(timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" &&
      printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$1" >&3 && cat <&3' "$1" "$2")" || return 1
    printf '%s\n' "$response" | sed '1,/^\r\{0,1\}$/d'
  fi
}

"${daemon_jvm[@]}" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port 0 --webui-port 0 < /dev/null > "$RUN_DIR/logs/master.log" 2>&1 &
master_pid=$!
echo "$master_pid master" >> "$RUN_DIR/pids"

# The Master logs "Starting Spark master at spark://127.0.0.1:<port>" and
# "Bound MasterWebUI to 127.0.0.1, and started at http://127.0.0.1:<port>".
master_url=""; webui_url=""
while [ -z "$master_url" ] || [ -z "$webui_url" ]; do
  alive "$master_pid" || fail "the Master (pid $master_pid) exited"
  [ $((SECONDS - started)) -lt "$timeout_s" ] || fail "the Master did not report its ports within $timeout_s s"
  sleep 0.5
  master_url="$(grep -o 'Starting Spark master at spark://127\.0\.0\.1:[0-9]*' "$RUN_DIR/logs/master.log" | head -n 1 | sed 's/.* at //')" || true
  webui_url="$(grep -o 'MasterWebUI to 127\.0\.0\.1, and started at http://127\.0\.0\.1:[0-9]*' "$RUN_DIR/logs/master.log" | head -n 1 | sed 's/.* at //')" || true
done
webui_port="${webui_url##*:}"
printf 'MASTER_URL=%s\nMASTER_WEBUI_URL=%s\n' "$master_url" "$webui_url" > "$RUN_DIR/cluster.env"

for i in $(seq 1 "$workers"); do
  mkdir -p "$RUN_DIR/work/worker$i"
  "${daemon_jvm[@]}" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --port 0 --webui-port 0 --cores "$cores" --memory "$memory" \
    --work-dir "$RUN_DIR/work/worker$i" "$master_url" < /dev/null > "$RUN_DIR/logs/worker$i.log" 2>&1 &
  echo "$! worker$i" >> "$RUN_DIR/pids"
done

registered=0
while :; do
  while read -r pid role; do
    alive "$pid" || fail "$role (pid $pid) exited"
  done < "$RUN_DIR/pids"
  registered="$(http_get "$webui_port" /json/ 2>/dev/null | tr -d ' \n' | grep -o '"aliveworkers":[0-9]*' | cut -d: -f2)" || true
  [ "${registered:-0}" -ge "$workers" ] && break
  [ $((SECONDS - started)) -lt "$timeout_s" ] || fail "only ${registered:-0} of $workers workers registered within $timeout_s s"
  sleep 0.5
done

echo "standalone-up: $master_url (web UI $webui_url), $workers workers x $cores core(s) x $memory, up in" \
  "$((SECONDS - started)) s; pids: $(cut -d' ' -f1 "$RUN_DIR/pids" | tr '\n' ' ')"
