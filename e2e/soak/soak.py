"""A steady mixed E2B workload against a running bin/run-local, then leak checks.

Every INTERVAL seconds for DURATION seconds one cycle starts (at most CONCURRENCY at once): create,
run a command, write and read back a file, pause, connect (resumes it), kill. Afterwards:

- every sandbox a cycle killed answers 404 and its Sandbox CR is gone;
- Sandbox CRs and pods are back to their count before the run (the warm pool refilled, nothing
  leaked), checked until SETTLE seconds pass;
- heap, live threads and open file handles of the sandbox-manager(s), the controller-manager and
  the agent-runtimes stay within the bounds in bounds.json (set from a measured run with margin;
  docs/reliability.md says how).

Counts only, never timings. Exit 1 on any failed cycle or check. Started by e2e/soak/bin/test,
which passes the run's pid file and management ports.
"""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

from e2b import Sandbox

DURATION = float(os.environ.get("DURATION", "75"))
INTERVAL = float(os.environ.get("INTERVAL", "5"))
CONCURRENCY = int(os.environ.get("CONCURRENCY", "3"))
SETTLE = float(os.environ.get("SETTLE", "180"))
PIDS = os.environ["RUN_PIDS"]
BOUNDS = os.environ.get("BOUNDS", os.path.join(os.path.dirname(__file__), "bounds.json"))
MEASURE = os.environ.get("MEASURE_ONLY") == "1"
TEMPLATE = os.environ.get("TEMPLATE", "code-interpreter")  # bin/run-local's warm pool
RUN = uuid.uuid4().hex[:8]

lock = threading.Lock()
killed = []
failures = []


def log(msg):
    print("[soak] " + msg, flush=True)


def cycle(n):
    s = None
    try:
        s = Sandbox.create(TEMPLATE, timeout=300, metadata={"soak": RUN, "n": str(n)})
        r = s.commands.run("echo soak-%d" % n)
        assert r.exit_code == 0 and r.stdout.strip() == "soak-%d" % n, r
        s.files.write("/tmp/soak.txt", "cycle %d" % n)
        assert s.files.read("/tmp/soak.txt") == "cycle %d" % n
        s.beta_pause()
        again = Sandbox.connect(s.sandbox_id, timeout=300)
        r = again.commands.run("echo back-%d" % n)
        assert r.stdout.strip() == "back-%d" % n, r
        again.kill()
        with lock:
            killed.append(s.sandbox_id)
    except Exception as e:  # every failure is reported; the sandbox is killed below
        with lock:
            failures.append("cycle %d (%s): %r" % (n, s.sandbox_id if s else "-", e))
        if s is not None:
            try:
                Sandbox.kill(s.sandbox_id)
            except Exception:
                pass


def kubectl_count(kind):
    out = subprocess.run(["kubectl", "get", kind, "-A", "-o", "name"], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    return len([line for line in out.splitlines() if line.strip()])


def sandbox_names():
    out = subprocess.run(
        ["kubectl", "get", "sbx", "-A", "-o",
         "jsonpath={range .items[*]}{.metadata.labels.agents\\.kruise\\.io/sandbox-id}{'\\n'}{end}"],
        check=True, capture_output=True, text=True, timeout=60).stdout
    return set(line for line in out.split() if line)


def api_status(sandbox_id):
    req = urllib.request.Request(
        os.environ["E2B_API_URL"].rstrip("/") + "/sandboxes/" + sandbox_id,
        headers={"X-API-Key": os.environ["E2B_API_KEY"]})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def metrics(port):
    with urllib.request.urlopen("http://127.0.0.1:%s/q/metrics" % port, timeout=30) as r:
        text = r.read().decode()
    heap = 0.0
    for line in text.splitlines():
        if line.startswith("jvm_memory_used_bytes{") and 'area="heap"' in line:
            heap += float(line.rsplit(" ", 1)[1])
    return heap


def proc(pid):
    threads = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                threads = int(line.split()[1])
    return threads, len(os.listdir("/proc/%d/fd" % pid))


def descendants(root):
    """Live processes whose parent chain reaches root."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    rest = f.read().rsplit(")", 1)[1].split()
                if rest[0] != "Z":
                    parent[int(entry)] = int(rest[1])
            except (OSError, IndexError, ValueError):
                pass
    out = []
    for pid in parent:
        p = pid
        while p in parent and p != root and p > 1:
            p = parent[p]
        if p == root and pid != root:
            out.append(pid)
    return out


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().replace(b"\0", b" ").decode(errors="replace")


def resources():
    """{component: {heapBytes?, threads, fds}}; agent-runtimes: the largest of each."""
    out = {}
    with open(PIDS) as f:
        rows = [line.split() for line in f if line.strip()]
    for name, pid, _port, _scheme, management in rows:
        if name == "run-local":
            continue
        if name == "local-cluster":
            runtimes = [p for p in descendants(int(pid)) if "agent-runtime" in cmdline(p)]
            # On the simulated node the runtimes may live in the local-cluster JVM itself: its own
            # threads and files are counted as well.
            t, fds = proc(int(pid))
            out["local-cluster"] = {"threads": t, "fds": fds}
            worst = {"threads": 0, "fds": 0, "count": len(runtimes)}
            for p in runtimes:
                try:
                    t, fds = proc(p)
                except OSError:
                    continue
                worst["threads"] = max(worst["threads"], t)
                worst["fds"] = max(worst["fds"], fds)
            out["agent-runtime"] = worst
            continue
        key = "sandbox-manager" if name.startswith("sandbox-manager") else name
        # Heap after a full GC: what the process retains, not what garbage it has not collected.
        subprocess.run(["jcmd", pid, "GC.run"], capture_output=True, timeout=60)
        t, fds = proc(int(pid))
        entry = {"heapBytes": metrics(management), "threads": t, "fds": fds}
        prev = out.get(key)
        out[key] = entry if prev is None else {k: max(prev[k], entry[k]) for k in entry}
    return out


def main():
    sbx_before, pods_before = kubectl_count("sbx"), kubectl_count("pods")
    log("before: %d Sandbox CRs, %d pods; %s" % (sbx_before, pods_before, json.dumps(resources())))
    start = time.monotonic()
    n = 0
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        futures = []
        while time.monotonic() - start < DURATION:
            futures.append(pool.submit(cycle, n))
            n += 1
            time.sleep(INTERVAL)
        for f in futures:
            f.result()
    log("%d cycles started, %d completed, %d failed" % (n, len(killed), len(failures)))
    for f in failures:
        log("FAIL " + f)

    problems = list(failures)
    for sid in killed:
        status = api_status(sid)
        if status != 404:
            problems.append("killed sandbox %s answers %d, not 404" % (sid, status))
    deadline = time.monotonic() + SETTLE
    while True:
        left = sandbox_names() & set(killed)
        sbx, pods = kubectl_count("sbx"), kubectl_count("pods")
        if not left and sbx == sbx_before and pods == pods_before:
            break
        if time.monotonic() > deadline:
            problems.append("after %ds: %d killed sandboxes still have a CR (%s); %d Sandbox CRs "
                            "(before %d), %d pods (before %d)"
                            % (SETTLE, len(left), sorted(left)[:5], sbx, sbx_before, pods,
                               pods_before))
            break
        time.sleep(3)
    log("after: %d Sandbox CRs, %d pods" % (kubectl_count("sbx"), kubectl_count("pods")))

    after = resources()
    log("resources after: " + json.dumps(after))
    if MEASURE:
        log("MEASURE_ONLY=1: bounds not checked")
    else:
        with open(BOUNDS) as f:
            bounds = json.load(f)
        for component, limits in bounds.items():
            if component.startswith("_"):
                continue
            seen = after.get(component)
            if component == "agent-runtime" and seen is not None and seen.get("count") == 0:
                continue  # no separate runtime processes: counted in local-cluster
            if seen is None:
                problems.append("no process for %s" % component)
                continue
            for key, limit in limits.items():
                if seen.get(key, 0) > limit:
                    problems.append("%s %s = %d over the bound %d" % (component, key, seen[key], limit))
    if n == 0 or not killed:
        problems.append("no cycle completed")
    for p in problems:
        log("FAIL " + p)
    log("ok" if not problems else "%d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
