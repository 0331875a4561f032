#!/bin/sh
# Starts the agent-runtime daemon in the background from its bundle directory.
# The main container's postStart hook runs this from the shared workspace, e.g.
#   /mnt/agent-runtime/bin/agent-runtime-start.sh
# It copies nothing, needs no JVM in the image (the bundle carries its own), logs to a file and
# writes a pid file. It returns once the daemon listens, so the pod only turns Running with envd up.
#
# Environment (all optional):
#   AGENT_RUNTIME_LOG           log file            (default <bundle>/agent-runtime.log)
#   AGENT_RUNTIME_PID_FILE      pid file            (default <bundle>/agent-runtime.pid)
#   AGENT_RUNTIME_JAVA_OPTS     JVM flags           (default: small serial-GC heap)
#   AGENT_RUNTIME_WAIT_SECONDS  wait for listening  (default 20; 0 = do not wait)
#   AGENT_RUNTIME_PORT, AGENT_RUNTIME_ROOT, AGENT_RUNTIME_CODE_INTERPRETER, ... are read by the
#   daemon itself (see docs/agent-runtime.md). Extra arguments are passed to the daemon.
set -eu

BUNDLE=$(cd "$(dirname "$0")/.." && pwd)
LOG=${AGENT_RUNTIME_LOG:-$BUNDLE/agent-runtime.log}
PID_FILE=${AGENT_RUNTIME_PID_FILE:-$BUNDLE/agent-runtime.pid}
WAIT=${AGENT_RUNTIME_WAIT_SECONDS:-20}
JAVA_OPTS=${AGENT_RUNTIME_JAVA_OPTS:--XX:+UseSerialGC -Xms8m -Xmx256m -XX:TieredStopAtLevel=1 -Xss512k}
JAVA=$BUNDLE/jre/bin/java

if [ ! -x "$JAVA" ]; then
  echo "agent-runtime-start: no runtime at $JAVA (is the bundle complete?)" >&2
  exit 1
fi

# postStart runs again after a container restart; the pid file (in the emptyDir) may survive
# while the process did not.
if [ -f "$PID_FILE" ]; then
  OLD=$(cat "$PID_FILE" 2>/dev/null || true)
  if [ -n "$OLD" ] && kill -0 "$OLD" 2>/dev/null; then
    echo "agent-runtime-start: already running (pid $OLD)"
    exit 0
  fi
  rm -f "$PID_FILE"
fi

mkdir -p "$(dirname "$LOG")" "$(dirname "$PID_FILE")"
START_LINE=0
if [ -f "$LOG" ]; then
  START_LINE=$(wc -l <"$LOG")
fi
# The daemon runs in the user's container, whose /tmp the user sees: no JVM perf-data file
# (hsperfdata_<user>), and Vert.x's file cache in the bundle directory. Before JAVA_OPTS, which
# can still override them.
# shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
nohup "$JAVA" -XX:-UsePerfData "-Dvertx.cacheDirBase=$BUNDLE/vertx-cache" $JAVA_OPTS \
  -cp "$BUNDLE/lib/*" io.openkruise.agents.runtime.Main "$@" \
  >>"$LOG" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$PID_FILE"

if [ "$WAIT" -le 0 ]; then
  echo "agent-runtime-start: started (pid $PID), not waiting"
  exit 0
fi
i=0
while [ "$i" -lt $((WAIT * 10)) ]; do
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "agent-runtime-start: daemon exited during start; last log lines:" >&2
    tail -n 20 "$LOG" >&2 || true
    rm -f "$PID_FILE"
    exit 1
  fi
  if tail -n +"$((START_LINE + 1))" "$LOG" 2>/dev/null | grep -q "listening on"; then
    echo "agent-runtime-start: running (pid $PID), log $LOG"
    exit 0
  fi
  sleep 0.1
  i=$((i + 1))
done
echo "agent-runtime-start: not listening after ${WAIT}s (pid $PID still running), see $LOG" >&2
exit 1
