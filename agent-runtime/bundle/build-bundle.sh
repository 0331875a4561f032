#!/bin/sh
# Builds target/agent-runtime-bundle/: a jlink'd Java runtime (modules found with jdeps), our jar
# and its dependencies, and the start scripts. Copy the directory into the sidecar image; the
# image's entrypoint copies it into the shared emptyDir (AGENT_RUNTIME_WORKSPACE).
#
# Usage: agent-runtime/bundle/build-bundle.sh [--skip-package]
#   JAVA_HOME  JDK whose jlink/jdeps to use (default: the java on PATH); must be >= 17.
set -eu

MODULE_DIR=$(cd "$(dirname "$0")/.." && pwd)
REPO_DIR=$(cd "$MODULE_DIR/.." && pwd)
TARGET=$MODULE_DIR/target
OUT=$TARGET/agent-runtime-bundle

if [ "${1:-}" != "--skip-package" ]; then
  (cd "$REPO_DIR" && ./mvnw -B -q -pl agent-runtime -DskipTests package)
fi

if [ -n "${JAVA_HOME:-}" ]; then
  BIN=$JAVA_HOME/bin
else
  BIN=$(dirname "$(readlink -f "$(command -v java)")")
fi
JAR=$(ls "$TARGET"/agent-runtime-*.jar | grep -v -e sources -e javadoc | head -n 1)

# Modules our code and Vert.x/Netty/Jackson need; plus ones reached only reflectively:
# jdk.management (CPU/memory for /metrics), jdk.unsupported (Netty's Unsafe),
# jdk.crypto.ec (Netty's SSL probe at start-up).
DEPS=$("$BIN/jdeps" --ignore-missing-deps --multi-release 17 --print-module-deps \
  "$JAR" "$TARGET"/lib/*.jar 2>/dev/null | grep -v '^Warning' | tail -n 1)
MODULES="$DEPS,jdk.management,jdk.unsupported,jdk.crypto.ec"
echo "jlink modules: $MODULES"

rm -rf "$OUT"
mkdir -p "$OUT/lib" "$OUT/bin"
"$BIN/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
  --compress=2 --output "$OUT/jre"
cp "$JAR" "$OUT/lib/agent-runtime.jar"
cp "$TARGET"/lib/*.jar "$OUT/lib/"
cp "$MODULE_DIR/bundle/agent-runtime-start.sh" "$MODULE_DIR/bundle/sandbox-runtime-storage" \
  "$OUT/bin/"
chmod +x "$OUT/bin/"*
# Identifies this bundle's content; the image entrypoint skips the copy when it is already there.
(cd "$OUT" && find jre lib bin -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-64) \
  >"$OUT/.bundle-id"
du -sh "$OUT" "$OUT/jre" "$OUT/lib"
