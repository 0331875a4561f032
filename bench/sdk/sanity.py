"""SDK-level sanity run: the real E2B Python SDK against a running system, serially.

Measures what a user of the unmodified SDK sees per cycle (Sandbox.create, one command, kill) next
to a raw REST create of the same system, so the SDK's own share of a create is visible. Counts are
checked (every create answered, every command's output right, no sandbox ID twice); timings are
only reported, never asserted.

Environment: what `bin/run-local` writes to $STATE_DIR/env (E2B_API_KEY, E2B_API_URL,
E2B_SANDBOX_URL: the SDK routes by header, unpatched).
"""
import argparse
import json
import os
import statistics
import sys
import time

import httpx
from e2b_code_interpreter import Sandbox  # its default template is run-local's warm pool


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def row(name, ms):
    return {"step": name, "n": len(ms), "p50": percentile(ms, 50), "p90": percentile(ms, 90),
            "max": max(ms), "mean": statistics.fmean(ms)}


def sdk_cycle(seen):
    t0 = time.perf_counter()
    sbx = Sandbox.create(timeout=120)
    t1 = time.perf_counter()
    out = sbx.commands.run("echo ok").stdout
    t2 = time.perf_counter()
    sbx.kill()
    t3 = time.perf_counter()
    if out != "ok\n":
        raise AssertionError(f"command output {out!r}")
    if sbx.sandbox_id in seen:
        raise AssertionError(f"sandbox {sbx.sandbox_id} handed out twice")
    seen.add(sbx.sandbox_id)
    return (t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000


def rest_create(client, seen):
    t0 = time.perf_counter()
    r = client.post("/sandboxes", json={"templateID": "code-interpreter", "timeout": 120})
    t1 = time.perf_counter()
    if r.status_code != 201:
        raise AssertionError(f"REST create {r.status_code}: {r.text}")
    sid = r.json()["sandboxID"]
    if sid in seen:
        raise AssertionError(f"sandbox {sid} handed out twice")
    seen.add(sid)
    client.delete(f"/sandboxes/{sid}").raise_for_status()
    return (t1 - t0) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--out", default="bench/results/latest-sdk")
    args = ap.parse_args()
    client = httpx.Client(base_url=os.environ["E2B_API_URL"], timeout=120,
                          headers={"X-API-Key": os.environ["E2B_API_KEY"]})
    seen = set()
    for _ in range(args.warmup):
        sdk_cycle(seen)
        rest_create(client, seen)
    create, command, kill, rest = [], [], [], []
    # Alternate SDK and REST so both see the same pool depth and machine load.
    for _ in range(args.cycles):
        c, r, k = sdk_cycle(seen)
        create.append(c)
        command.append(r)
        kill.append(k)
        rest.append(rest_create(client, seen))
    rows = [row("SDK Sandbox.create", create), row("REST POST /sandboxes", rest),
            row("SDK commands.run", command), row("SDK kill", kill)]
    print("| step | n | p50 ms | p90 ms | max ms |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['step']} | {r['n']} | {r['p50']:.1f} | {r['p90']:.1f} | {r['max']:.1f} |")
    sdk_share = rows[0]["p50"] / rows[1]["p50"]
    print(f"SDK create p50 / REST create p50: {sdk_share:.2f}")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "sdk-sanity.json"), "w") as f:
        json.dump({"rows": rows, "sdkOverRest": sdk_share, "sandboxes": len(seen),
                   "load": open("/proc/loadavg").read().split()[:3]}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
