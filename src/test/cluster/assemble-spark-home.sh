#!/usr/bin/env bash
# Assembles a minimal SPARK_HOME for the Spark version this project builds against, from Maven
# artifacts only (the local repository first, then Maven Central): no Spark download needed.
#
#   src/test/cluster/assemble-spark-home.sh [DEST]        DEST defaults to <project>/target/spark-home
#
# DEST/jars/   spark-mllib + spark-sql and their runtime dependencies (about 200 jars, ~330 MB)
# DEST/conf/   log4j2.properties: WARN, except INFO for the standalone daemons and executor task logs
# DEST/bin/    spark-class and spark-submit, which let Spark's launcher library build the java command
#              (module flags, --driver-memory, SPARK_*_OPTS) like the scripts of a Spark distribution
#
# Idempotent: jars/ is only (re)built when it is missing, incomplete or for other versions.
# Env: SPARK_VERSION, SCALA_VERSION (default: spark.version / scala.version of pom.xml),
#      MVN (default mvn), MVN_ARGS (extra Maven arguments, e.g. -o for offline).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(cd "$here/../../.." && pwd)"

pom_property() {  # the first literal (not ${...}) value of <name>...</name> in pom.xml
  sed -n "s:.*<$1>[[:space:]]*\([^<]*[^<[:space:]]\)[[:space:]]*</$1>.*:\1:p" "$project/pom.xml" \
    | grep -v '^\$' | head -n 1 || true
}
SPARK_VERSION="${SPARK_VERSION:-$(pom_property spark.version)}"
SCALA_VERSION="${SCALA_VERSION:-$(pom_property scala.version)}"
[ -n "$SPARK_VERSION" ] || { echo "assemble-spark-home: cannot read spark.version from $project/pom.xml" >&2; exit 1; }
[ -n "$SCALA_VERSION" ] || { echo "assemble-spark-home: cannot read scala.version from $project/pom.xml" >&2; exit 1; }
SCALA_BINARY="${SCALA_VERSION%.*}"

dest="${1:-$project/target/spark-home}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
stamp="spark-${SCALA_BINARY}-${SPARK_VERSION} scala-library-${SCALA_VERSION}"
started=$SECONDS

if [ -f "$dest/jars/.assembled" ] && [ "$(cat "$dest/jars/.assembled")" = "$stamp" ]; then
  echo "assemble-spark-home: $dest/jars is complete ($stamp)"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/spark-home-pom.XXXXXX")"
  partial="$dest/jars.partial.$$"
  trap 'rm -rf "$work" "$partial"' EXIT
  # scala-library/-reflect are pinned: Maven's nearest-wins mediation would otherwise pick an older
  # 2.13.x than Spark was built with (NoSuchMethodError at start-up).
  cat > "$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.stablelogit</groupId>
  <artifactId>spark-home</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>org.scala-lang</groupId><artifactId>scala-library</artifactId><version>$SCALA_VERSION</version></dependency>
      <dependency><groupId>org.scala-lang</groupId><artifactId>scala-reflect</artifactId><version>$SCALA_VERSION</version></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-mllib_$SCALA_BINARY</artifactId><version>$SPARK_VERSION</version></dependency>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-sql_$SCALA_BINARY</artifactId><version>$SPARK_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  echo "assemble-spark-home: resolving $stamp into $dest/jars (Maven)"
  rm -rf "$partial"
  # shellcheck disable=SC2086
  (cd "$work" && "${MVN:-mvn}" -B -q -Dstyle.color=never ${MVN_ARGS:-} \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$partial")
  for required in "spark-core_$SCALA_BINARY-$SPARK_VERSION.jar" "spark-launcher_$SCALA_BINARY-$SPARK_VERSION.jar" \
                  "spark-mllib_$SCALA_BINARY-$SPARK_VERSION.jar" "scala-library-$SCALA_VERSION.jar"; do
    [ -f "$partial/$required" ] || { echo "assemble-spark-home: $required is missing after the copy" >&2; exit 1; }
  done
  echo "$stamp" > "$partial/.assembled"
  rm -rf "$dest/jars"
  mv "$partial" "$dest/jars"
fi

mkdir -p "$dest/conf" "$dest/bin"
# The JVM flags Spark needs on Java 17+ (the pom's spark.java17.opts, = Spark's JavaModuleOptions),
# for scripts that start Spark JVMs without the launcher.
module_opts="$(pom_property spark.java17.opts)"
[ -n "$module_opts" ] || { echo "assemble-spark-home: cannot read spark.java17.opts from $project/pom.xml" >&2; exit 1; }
printf '%s\n' "$module_opts" > "$dest/conf/java-module-options"
cat > "$dest/conf/log4j2.properties" <<'EOF'
# WARN overall. INFO for the standalone daemons and app client (ports, registrations, executors
# added) and for executors receiving tasks ("Got assigned task"), which the cluster tests read.
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss.SSS} %p %c{1}: %m%n%ex
logger.deploy.name = org.apache.spark.deploy
logger.deploy.level = info
logger.executorBackend.name = org.apache.spark.executor.CoarseGrainedExecutorBackend
logger.executorBackend.level = info
EOF

cat > "$dest/bin/spark-class" <<'EOF'
#!/usr/bin/env bash
# spark-class for a Maven-assembled SPARK_HOME: Spark's launcher library prints the complete java
# command for the given class (classpath, module flags, memory, SPARK_*_OPTS, spark-defaults.conf);
# this script runs it. Usage: spark-class <main class> [arguments]
set -euo pipefail
SPARK_HOME="${SPARK_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export SPARK_HOME
# The launcher refuses to build commands without it ("Cannot find any build directories").
export SPARK_SCALA_VERSION="${SPARK_SCALA_VERSION:-2.13}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
launcher_out="$(mktemp "${TMPDIR:-/tmp}/spark-class.XXXXXX")"
if ! "$java" -Xmx128m -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main "$@" > "$launcher_out"; then
  cat "$launcher_out" >&2; rm -f "$launcher_out"; exit 1
fi
# Output format: optional text, a NUL and a newline, then each argument followed by a NUL.
mapfile -d '' -t fields < "$launcher_out"
rm -f "$launcher_out"
if [ "${#fields[@]}" -lt 2 ]; then
  echo "spark-class: the launcher printed no command" >&2; exit 1
fi
[ -z "${fields[0]}" ] || printf '%s\n' "${fields[0]}"
cmd=("${fields[@]:1}")
cmd[0]="${cmd[0]#$'\n'}"
exec "${cmd[@]}"
EOF

cat > "$dest/bin/spark-submit" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/spark-class" org.apache.spark.deploy.SparkSubmit "$@"
EOF
chmod +x "$dest/bin/spark-class" "$dest/bin/spark-submit"

echo "assemble-spark-home: SPARK_HOME=$dest ready: $(find "$dest/jars" -name '*.jar' | wc -l) jars," \
  "$(du -sh "$dest/jars" | cut -f1), $((SECONDS - started)) s"
