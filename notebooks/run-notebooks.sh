#!/usr/bin/env bash
# Executes every notebooks/*.ipynb headlessly (as CI does) and fails if any cell of any notebook
# fails; the notebooks' check(...)/require(...) calls are what make a broken claim fail the run.
#
#   bash notebooks/run-notebooks.sh                       # all notebooks
#   bash notebooks/run-notebooks.sh notebooks/03-*.ipynb  # some
#
# What it sets up, all under target/notebooks/ (only ~/.m2 and Debian packages outside it):
#   kernel/     the Kotlin Jupyter kernel (Maven Central), a launcher that starts it on Java 17 with
#               Spark's JVM options, and a small kernel-side helper (notebooks/kernel/*.java)
#   build/      this project compiled (mvn -Dsl.build.dir=..., so target/classes is left alone)
#   jupyter/    the kernelspec "stablelogit-kotlin" (JUPYTER_PATH for interactive use)
#   executed/   the executed notebooks, with outputs; notebooks/*.ipynb stay output-free
#   images/     PNGs the notebooks saved (the README pictures are copies of these)
#
# Needs Debian 12 with a Java 17 JDK and Maven (as .ci/run installs), root or sudo the first time
# (apt-get), and Maven Central. Notebook cells run without network: as root, each notebook's
# kernel runs in a network namespace that has only loopback. Libraries the notebooks name with
# @file:DependsOn are resolved into ~/.m2 beforehand, where the kernel finds them (*mavenLocal).
#
# Knobs: NOTEBOOK_JAVA_HOME (a JDK 17; found automatically), NOTEBOOK_OUT (default
# target/notebooks), NOTEBOOK_SKIP_BUILD=1 (reuse the last build), NOTEBOOK_CELL_TIMEOUT (s, 600),
# NOTEBOOK_BUDGET (s per notebook before a warning, 120), NOTEBOOK_NETNS=0 (keep the network),
# NOTEBOOK_JAVA_OPTS (extra kernel JVM options).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NB_DIR="$ROOT/notebooks"
OUT="${NOTEBOOK_OUT:-$ROOT/target/notebooks}"
KERNEL_DIR="$OUT/kernel"
BUILD_DIR="$OUT/build"
KERNEL_NAME=stablelogit-kotlin
KOTLIN_KERNEL=org.jetbrains.kotlinx:kotlin-jupyter-kernel:0.11.0-398
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
MVN=(mvn_quiet)

say() { echo "run-notebooks: $*"; }
# Maven, quiet; Debian's Maven prints stray colour codes even with -q -B, drop them.
mvn_quiet() { mvn -B -q "$@" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; }
die() { echo "run-notebooks: $*" >&2; exit 2; }
mkdir -p "$OUT"

# ---- Java 17 -------------------------------------------------------------------------------
# The kernel embeds Kotlin 1.8's compiler, which cannot read class files of Java 20 and later.
java_spec() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
JDK=
for candidate in "${NOTEBOOK_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/temurin-17*; do
  if [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] && [ "$(java_spec "$candidate")" = 17 ]; then
    JDK="$candidate"; break
  fi
done
[ -n "$JDK" ] || die "no Java 17 JDK found; install openjdk-17-jdk-headless or set NOTEBOOK_JAVA_HOME"
export JAVA_HOME="$JDK" PATH="$JDK/bin:$PATH"   # Maven builds with it too

# ---- Debian packages: the notebook executor, and fonts for the charts -----------------------
apt_pkgs=()
[ -x /usr/bin/jupyter-nbconvert ] || apt_pkgs+=(jupyter-nbconvert)
/usr/bin/python3 -c 'import nbclient, nbformat' 2>/dev/null || apt_pkgs+=(python3-nbclient)
# Java draws chart text with fontconfig; with no font installed, text rendering throws.
compgen -G '/usr/share/fonts/truetype/*/*.ttf' >/dev/null || apt_pkgs+=(fontconfig fonts-dejavu-core)
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  say "installing ${apt_pkgs[*]}"
  as_root=(); [ "$(id -u)" = 0 ] || as_root=(sudo)
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${apt_pkgs[@]}" >/dev/null
fi

# ---- the Kotlin kernel's jars ------------------------------------------------------------------
# A throwaway pom listing one dependency; copy-dependencies puts it and its closure in one folder.
resolve_into() {  # resolve_into DIR GOAL COORDINATE...   (a throwaway pom with these dependencies)
  local dir="$1" goal="$2"; shift 2
  mkdir -p "$dir"
  {
    echo '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
    echo '<groupId>local.notebooks</groupId><artifactId>resolve</artifactId><version>1</version>'
    echo '<packaging>pom</packaging><dependencies>'
    local c g a v
    for c in "$@"; do
      IFS=: read -r g a v <<<"$c"
      echo "<dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version></dependency>"
    done
    echo '</dependencies></project>'
  } > "$dir/pom.xml"
  "${MVN[@]}" -f "$dir/pom.xml" "$DEPENDENCY_PLUGIN:$goal" -DoutputDirectory="$dir/jars"
}
if [ "$(cat "$KERNEL_DIR/jars/.complete" 2>/dev/null)" != "$KOTLIN_KERNEL" ]; then
  say "fetching $KOTLIN_KERNEL"
  rm -rf "$KERNEL_DIR/jars"
  resolve_into "$KERNEL_DIR" copy-dependencies "$KOTLIN_KERNEL"
  echo "$KOTLIN_KERNEL" > "$KERNEL_DIR/jars/.complete"
fi

# ---- libraries the notebooks load with @file:DependsOn, into ~/.m2 while there is network -----
mapfile -t notebook_deps < <(cat "$NB_DIR"/*.ipynb "$@" 2>/dev/null | grep -o '@file:DependsOn(\\"[^"\\]*\\")' \
  | sed 's/.*(\\"\(.*\)\\")/\1/' | sort -u)
if [ ${#notebook_deps[@]} -gt 0 ] \
   && [ "$(cat "$OUT/notebook-deps/.complete" 2>/dev/null)" != "${notebook_deps[*]}" ]; then
  say "resolving notebook libraries: ${notebook_deps[*]}"
  resolve_into "$OUT/notebook-deps" resolve "${notebook_deps[@]}"
  echo "${notebook_deps[*]}" > "$OUT/notebook-deps/.complete"
fi

# ---- this project: classes and its whole classpath (Spark is 'provided') ---------------------
if [ "${NOTEBOOK_SKIP_BUILD:-0}" != 1 ] || [ ! -s "$OUT/classpath.txt" ]; then
  say "building the project into $BUILD_DIR"
  (cd "$ROOT" && "${MVN[@]}" -Dsl.build.dir="$BUILD_DIR" compile "$DEPENDENCY_PLUGIN:build-classpath" \
      -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/classpath.txt")
fi

# ---- kernel-side helper (notebooks/kernel/*.java), found through libraries.json -----------------
HELPER="$KERNEL_DIR/helper"
rm -rf "$HELPER" && mkdir -p "$HELPER/META-INF/kotlin-jupyter-libraries"
"$JDK/bin/javac" --release 17 -nowarn -d "$HELPER" \
  -cp "$(ls "$KERNEL_DIR"/jars/kotlin-jupyter-api-*.jar "$KERNEL_DIR"/jars/kotlin-stdlib-1*.jar | paste -sd:)" \
  "$NB_DIR"/kernel/*.java
echo '{"definitions":[],"producers":[{"fqn":"io.github.stablelogit.notebooks.ScalaConsoleFollowsCell"}]}' \
  > "$HELPER/META-INF/kotlin-jupyter-libraries/libraries.json"

# ---- logging: Spark and the kernel log WARN+ to the kernel's stderr (this log), not into cells --
cat > "$KERNEL_DIR/log4j2.properties" <<'EOF'
rootLogger.level = warn
rootLogger.appenderRef.err.ref = err
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.hadoop.name = org.apache.hadoop.util.NativeCodeLoader
logger.hadoop.level = error
EOF
cat > "$KERNEL_DIR/logback.xml" <<'EOF'
<configuration>
  <appender name="err" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%-5level %logger{30} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="err"/></root>
</configuration>
EOF

# ---- kernel launcher and kernelspec ----------------------------------------------------------
# Spark's JVM options: the same list the build gives its tests (pom.xml <spark.java17.opts>).
SPARK_JVM_OPTS="$(grep -m1 -o '<spark.java17.opts>-[^<]*</spark.java17.opts>' "$ROOT/pom.xml" \
  | sed 's:</*spark.java17.opts>::g')"
[ -n "$SPARK_JVM_OPTS" ] || die "pom.xml has no <spark.java17.opts> property"
cat > "$KERNEL_DIR/launch-kernel.sh" <<EOF
#!/usr/bin/env bash
# Started by Jupyter with a connection file as \$1. The notebook classpath is read on every
# kernel start: after 'bash notebooks/run-notebooks.sh', restarting the kernel picks up changes.
set -euo pipefail
J="$KERNEL_DIR/jars"
CP="\$(ls "\$J"/kotlin-jupyter-api-*.jar "\$J"/kotlin-jupyter-lib-*.jar "\$J"/kotlin-stdlib*.jar \\
  "\$J"/kotlin-reflect-*.jar "\$J"/kotlin-script-runtime-*.jar "\$J"/kotlinx-serialization-*.jar | paste -sd:)"
CP="\$CP:$HELPER:$BUILD_DIR/classes:\$(cat "$OUT/classpath.txt")"
export SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=127.0.0.1
exec "$JDK/bin/java" $SPARK_JVM_OPTS -Xmx4g -Djava.awt.headless=true \\
  -Dlog4j2.configurationFile="$KERNEL_DIR/log4j2.properties" \\
  -Dlogback.configurationFile="$KERNEL_DIR/logback.xml" \\
  ${NOTEBOOK_JAVA_OPTS:-} \\
  -cp "\$J/*" org.jetbrains.kotlinx.jupyter.IkotlinKt "-classpath=\$CP" "\$1" "-home=$KERNEL_DIR/home"
EOF
chmod +x "$KERNEL_DIR/launch-kernel.sh"
mkdir -p "$KERNEL_DIR/home" "$OUT/jupyter/kernels/$KERNEL_NAME"
cat > "$OUT/jupyter/kernels/$KERNEL_NAME/kernel.json" <<EOF
{
  "argv": ["$KERNEL_DIR/launch-kernel.sh", "{connection_file}"],
  "display_name": "Kotlin + Spark (stablelogit)",
  "language": "kotlin",
  "interrupt_mode": "message"
}
EOF

# ---- execute -----------------------------------------------------------------------------------
export JUPYTER_PATH="$OUT/jupyter" JUPYTER_RUNTIME_DIR="$OUT/runtime" JUPYTER_CONFIG_DIR="$OUT/config"
export NOTEBOOK_IMAGE_DIR="$OUT/images"   # the notebooks save their charts here too
mkdir -p "$OUT/executed" "$NOTEBOOK_IMAGE_DIR"

# The kernel listens on all interfaces whatever the connection file says, and cells must not need
# the network: as root, run each notebook in a fresh network namespace with only loopback up.
isolate=()
if [ "${NOTEBOOK_NETNS:-1}" != 0 ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null \
   && command -v ip >/dev/null && unshare -n true 2>/dev/null; then
  isolate=(unshare -n sh -c 'ip link set lo up && exec "$@"' sh)
  say "each notebook runs in a loopback-only network namespace"
fi

# Notebooks are committed without outputs; executed copies go to $OUT/executed only.
committed_outputs() {
  /usr/bin/python3 - "$1" <<'EOF'
import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
dirty = [i for i, c in enumerate(nb.cells)
         if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
if dirty:
    print("cells %s have outputs or execution counts" % dirty)
EOF
}

# CPU seconds used so far by this script's finished children (the kernels included): on a busy
# machine wall-clock time says little, CPU time still tells whether a notebook got slower.
children_cpu() {
  local stat; stat="$(cat /proc/$$/stat 2>/dev/null)" || { echo 0; return; }
  set -- ${stat##*) }
  echo $(( (${14} + ${15}) / $(getconf CLK_TCK) ))
}

if [ $# -gt 0 ]; then notebooks=("$@"); else notebooks=("$NB_DIR"/*.ipynb); fi
passed=0; failed=0; summary=()
for nb in "${notebooks[@]}"; do
  [ -f "$nb" ] || { say "no such notebook: $nb"; failed=$((failed + 1)); continue; }
  name="$(basename "$nb")"
  dirty="$(committed_outputs "$nb")"
  if [ -n "$dirty" ]; then
    say "FAIL $name: $dirty; clear them: jupyter nbconvert --clear-output --inplace $nb"
    failed=$((failed + 1)); summary+=("FAIL $name (outputs committed)"); continue
  fi
  say "executing $name"
  start=$(date +%s); cpu_start=$(children_cpu)
  if "${isolate[@]}" /usr/bin/jupyter nbconvert --to notebook --execute \
       --ExecutePreprocessor.kernel_name="$KERNEL_NAME" \
       --ExecutePreprocessor.timeout="${NOTEBOOK_CELL_TIMEOUT:-600}" \
       --ExecutePreprocessor.startup_timeout=180 \
       --output-dir "$OUT/executed" "$nb"; then
    status=ok; passed=$((passed + 1))
  else
    status=FAIL; failed=$((failed + 1))
  fi
  secs=$(( $(date +%s) - start )); cpu=$(( $(children_cpu) - cpu_start ))
  note=""
  [ "$secs" -le "${NOTEBOOK_BUDGET:-120}" ] || note=", over the ${NOTEBOOK_BUDGET:-120} s budget"
  summary+=("$status $name: ${secs} s (CPU ${cpu} s$note)")
  say "$status $name: ${secs} s (CPU ${cpu} s$note)"
done
printf '  %s\n' "${summary[@]}"
echo "notebooks: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
