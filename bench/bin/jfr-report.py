#!/usr/bin/env python3
"""Summarises the recordings bench/bin/profile wrote to DIR: for each service, CPU seconds per
thread group (from /proc, so JIT and GC count too), then from JFR's execution samples the hottest
methods (self), the share of samples passing through each area (inclusive; areas overlap) and the
top allocation sites by sampled weight.

    python3 bench/bin/jfr-report.py DIR [--top N]
"""
import collections
import glob
import os
import re
import subprocess
import sys

# Inclusive areas: a sample counts for every area one of its frames falls in.
AREAS = [
    ("our code (io.openkruise)", ("io.openkruise.",)),
    ("fabric8 informers/watch", ("io.fabric8.kubernetes.client.informers.", "io.fabric8.kubernetes.client.dsl.internal.AbstractWatchManager", "io.fabric8.kubernetes.client.dsl.internal.WatcherWebSocketListener")),
    ("fabric8 token refresh (kubeconfig re-read)", ("io.fabric8.kubernetes.client.Config.refresh",)),
    ("TLS handshakes", ("sun.security.ssl.SSLEngineImpl.beginHandshake", "sun.security.ssl.ClientHandshakeContext", "sun.security.ssl.CertificateVerify", "sun.security.ssl.Finished")),
    ("fabric8 (de)serialisation", ("io.fabric8.kubernetes.client.utils.KubernetesSerialization", "io.fabric8.kubernetes.client.utils.Serialization")),
    ("Jackson", ("com.fasterxml.jackson.",)),
    ("JOSDK", ("io.javaoperatorsdk.",)),
    ("logging", ("org.jboss.logmanager.", "org.jboss.logging.", "java.util.logging.")),
    ("Micrometer", ("io.micrometer.",)),
    ("TLS", ("sun.security.ssl.", "javax.net.ssl.", "io.netty.handler.ssl.")),
    ("crypto (MAC/digest)", ("javax.crypto.", "com.sun.crypto.", "sun.security.provider.", "java.security.MessageDigest")),
    ("Vert.x HTTP proxy", ("io.vertx.httpproxy.",)),
    ("Vert.x HTTP", ("io.vertx.core.http.",)),
    ("Vert.x web router", ("io.vertx.ext.web.",)),
    ("RESTEasy Reactive", ("org.jboss.resteasy.reactive.",)),
    ("JDK HTTP client", ("java.net.http.", "jdk.internal.net.http.")),
    ("OkHttp/Vert.x k8s client transport", ("okhttp3.", "io.fabric8.kubernetes.client.vertx.", "io.fabric8.kubernetes.client.http.")),
    ("Netty", ("io.netty.",)),
    ("regex", ("java.util.regex.",)),
    ("reflection/class loading", ("java.lang.reflect.", "jdk.internal.reflect.", "java.lang.ClassLoader", "jdk.internal.loader.")),
]


FRAME = re.compile(r"^\s+([\w$.<>/]+)\(.*\)\s+line:", re.M)
UNITS = {"bytes": 1, "byte": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}


def load(path, event):
    """Events of one type as (frames innermost first, fields), from `jfr print` text (far faster
    than its JSON)."""
    out = subprocess.run(
        ["jfr", "print", "--stack-depth", "96", "--events", event, path],
        check=True, capture_output=True, text=True).stdout
    events = []
    for chunk in out.split(event + " {")[1:]:
        frames = [m.replace("/", ".") for m in FRAME.findall(chunk)]
        fields = dict(re.findall(r"^\s+(\w+) = (.*)$", chunk, re.M))
        events.append((frames, fields))
    return events


def weight(text):
    m = re.match(r"([\d.]+)\s*(\w+)", text or "")
    return float(m.group(1)) * UNITS.get(m.group(2), 1) if m else 0


def threads(prefix):
    def read(p):
        got = collections.Counter()
        if not os.path.exists(p):
            return got
        for line in open(p):
            u, s, name = line.split(" ", 2)
            got[re.sub(r"[0-9]+", "N", name.strip())] += int(u) + int(s)
        return got
    start, end = read(prefix + ".threads.start"), read(prefix + ".threads.end")
    hz = os.sysconf("SC_CLK_TCK")
    return {k: (end[k] - start.get(k, 0)) / hz for k in end}


def report(path, top):
    name = os.path.basename(path)[:-4]
    print("=" * 100)
    print(name)
    cpu = threads(path[:-4])
    if cpu:
        total = sum(v for v in cpu.values() if v > 0)
        print(f"  thread CPU s in the window (/proc): total {total:.2f}")
        for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])[:14]:
            if v > 0:
                print(f"    {v:8.2f}  {100 * v / total:5.1f}%  {k}")
    samples = load(path, "jdk.ExecutionSample")
    n = len(samples)
    print(f"  execution samples: {n}")
    if not n:
        return
    self_c = collections.Counter()
    incl = collections.Counter()
    areas = collections.Counter()
    ours = collections.Counter()
    for frames, _ in samples:
        if not frames:
            continue
        self_c[frames[0]] += 1
        seen = set(frames)
        for m in seen:
            incl[m] += 1
        for area, prefixes in AREAS:
            if any(m.startswith(prefixes) for m in seen):
                areas[area] += 1
        # The innermost frame of our own code: who in our code asked for the work.
        for m in frames:
            if m.startswith("io.openkruise."):
                ours[m] += 1
                break
    print("  areas (inclusive, overlapping):")
    for a, c in areas.most_common():
        print(f"    {100 * c / n:5.1f}%  {a}")
    print(f"  top self methods:")
    for m, c in self_c.most_common(top):
        print(f"    {100 * c / n:5.1f}%  {m}")
    print(f"  top inclusive methods:")
    for m, c in incl.most_common(top * 2):
        print(f"    {100 * c / n:5.1f}%  {m}")
    print(f"  innermost frame of our code (inclusive):")
    for m, c in ours.most_common(top):
        print(f"    {100 * c / n:5.1f}%  {m}")
    allocs = load(path, "jdk.ObjectAllocationSample")
    weights = collections.Counter()
    site = collections.Counter()
    for frames, fields in allocs:
        w = weight(fields.get("weight"))
        weights[fields.get("objectClass", "?").split(" ")[0]] += w
        for m in frames:
            if not m.startswith(("java.", "jdk.", "sun.")):
                site[m] += w
                break
    tw = sum(weights.values()) or 1
    print(f"  allocation (sampled weight {tw / 1e9:.2f} GB): top classes")
    for k, w in weights.most_common(8):
        print(f"    {100 * w / tw:5.1f}%  {k}")
    print("  allocation: top first non-JDK sites")
    for k, w in site.most_common(top):
        print(f"    {100 * w / tw:5.1f}%  {k}")


def main():
    d = sys.argv[1]
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 15
    for p in sorted(glob.glob(os.path.join(d, "*.jfr"))):
        report(p, top)


if __name__ == "__main__":
    main()
