#!/usr/bin/env bash
# spark-submit from the assembled SPARK_HOME (see assemble-spark-home.sh), loopback only: the driver
# binds and advertises 127.0.0.1. Takes spark-submit's usual options, e.g.
#
#   src/test/cluster/spark-submit.sh --master spark://127.0.0.1:<port> \
#     --class io.github.stablelogit.cli.LogitJob target/stablelogit-spark_2.13-<version>.jar \
#     train --input sample-data/breast_cancer.csv --label label --model /tmp/model
#
# Env: SPARK_HOME (default <project>/target/spark-home).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(cd "$here/../../.." && pwd)"
export SPARK_HOME="${SPARK_HOME:-$project/target/spark-home}"
export SPARK_SCALA_VERSION=2.13
export SPARK_LOCAL_IP=127.0.0.1
export SPARK_LOCAL_HOSTNAME=127.0.0.1

[ -x "$SPARK_HOME/bin/spark-submit" ] || {
  echo "spark-submit.sh: no $SPARK_HOME/bin/spark-submit; run assemble-spark-home.sh first" >&2; exit 1; }

exec "$SPARK_HOME/bin/spark-submit" \
  --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 "$@"
