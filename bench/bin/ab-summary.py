#!/usr/bin/env python3
"""One line per run of bench/bin/ab-create's OUT (or any directories holding a bench
results.json): serial create p50 / p90, raw merge-PATCH p50, their ratio, CPU seconds per create of
the manager under test and of the controller, writes per create (audit log) and the create steps'
p50 from the managers' log lines. Then the median of each figure per build.

    python3 bench/bin/ab-summary.py DIR
"""
import glob
import json
import os
import statistics
import sys


def scenario(doc, name):
    for s in doc["scenarios"]:
        if s["name"] == name or s["name"].startswith(name + "-"):
            return s
    return None


def row(path):
    doc = json.load(open(path))
    raw = scenario(doc, "raw-patch")
    create = scenario(doc, "serial") or scenario(doc, "burst")
    if not raw or not create:
        return None
    ok = create["counts"]["ok"]
    procs = create.get("processes", {})
    manager = next((v for k, v in procs.items() if "manager" in k and "controller" not in k), {})
    controller = procs.get("controller-manager", {})
    steps = create.get("createStepsMs", {})
    r = {
        "run": os.path.basename(os.path.dirname(path)),
        "scenario": create["name"],
        "raw p50": raw["latencyMs"]["p50"],
        "create p50": create["latencyMs"]["p50"],
        "create p90": create["latencyMs"]["p90"],
        "ratio": create["latencyMs"]["p50"] / raw["latencyMs"]["p50"],
        "mgr ms/create": 1000 * manager.get("cpuSeconds", float("nan")) / ok,
        "ctl ms/create": 1000 * controller.get("cpuSeconds", float("nan")) / ok,
        "writes/create": create.get("writesPerClaim", float("nan")),
    }
    for step in ("claim", "init", "mark", "cache", "latency"):
        if step in steps:
            r[step + " p50"] = steps[step]["p50"]
    return r


def main():
    d = sys.argv[1]
    rows = [r for p in sorted(glob.glob(os.path.join(d, "*", "results.json"))) if (r := row(p))]
    if not rows:
        print("no results under", d)
        return
    keys = []
    for r in rows:
        keys += [k for k in r if k not in ("run", "scenario") and k not in keys]
    for r in rows:
        for k in keys:
            r.setdefault(k, float("nan"))
    print("%-10s %-8s" % ("run", "scenario") + "".join("%14s" % k for k in keys))
    for r in rows:
        print("%-10s %-8s" % (r["run"], r["scenario"][:8]) + "".join("%14.2f" % r[k] for k in keys))
    builds = sorted({r["run"].split("-", 1)[-1] for r in rows})
    print("median per build:")
    for b in builds:
        sel = [r for r in rows if r["run"].split("-", 1)[-1] == b]
        print("%-19s" % b + "".join("%14.2f" % statistics.median(r[k] for r in sel) for k in keys))


if __name__ == "__main__":
    main()
