"""Sandbox fidelity, metrics (issue 17): `get_metrics()` and `GET /sandboxes/metrics` answer real
CPU, memory and disk samples in E2B's shapes. Feature ids match
e2e/conformance/js/features/metrics.mjs and the `runtime` rows of e2e/conformance/bin/table."""

import datetime
import os
import time

import httpx
import pytest
from e2b import ConnectionConfig
from e2b_code_interpreter import Sandbox

from sdk_support import RUN, module_sandbox

pytestmark = pytest.mark.runtime

FIELDS = (
    "timestamp",
    "timestampUnix",
    "cpuCount",
    "cpuUsedPct",
    "memUsed",
    "memTotal",
    "memCache",
    "diskUsed",
    "diskTotal",
)


sbx = module_sandbox("metrics")


def _api():
    config = ConnectionConfig()
    return httpx.Client(
        base_url=config.api_url,
        headers={"X-API-Key": config.api_key},
        verify=os.environ.get("SSL_CERT_FILE", True),
        timeout=60,
    )


def _samples(sbx, seconds=60, **kw):
    deadline = time.monotonic() + seconds
    while True:
        got = sbx.get_metrics(**kw)
        if got or time.monotonic() > deadline:
            return got
        time.sleep(1)


def test_metrics_sandbox(sbx):
    began = datetime.datetime.now(datetime.timezone.utc)
    # Relative: the home directory, inside the sandbox on every node kind.
    sbx.commands.run("head -c 20000000 /dev/zero > metrics-fill; sync")
    samples = _samples(sbx)
    assert samples, "get_metrics() stayed empty for 60s"
    for m in samples:
        assert m.cpu_count >= 1
        assert 0 <= m.cpu_used_pct <= 100 * m.cpu_count
        # The simulated node counts the sandbox's processes only: an idle one may use 0.
        assert 0 <= m.mem_used <= m.mem_total and m.mem_total > 0
        # e2b < 2.9 has no mem_cache.
        assert 0 <= getattr(m, "mem_cache", 0) <= m.mem_total
        assert 0 < m.disk_used <= m.disk_total
    stamps = [m.timestamp for m in samples]
    assert stamps == sorted(stamps)
    # A time range: samples from `start` on only; a range in the past before the sandbox is empty.
    late = _samples(sbx, start=began)
    assert late and all(m.timestamp >= began.replace(microsecond=0) for m in late)
    long_ago = datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc)
    assert sbx.get_metrics(start=long_ago, end=long_ago + datetime.timedelta(minutes=1)) == []


def test_metrics_many(sbx):
    other = Sandbox.create(timeout=120, metadata={"suite": "conformance", "run": RUN, "t": "m2"})
    try:
        ids = [sbx.sandbox_id, other.sandbox_id]
        with _api() as api:
            deadline = time.monotonic() + 60
            while True:
                r = api.get("/sandboxes/metrics", params={"sandbox_ids": ",".join(ids)})
                assert r.status_code == 200, r.text
                body = r.json()
                if set(body["sandboxes"]) == set(ids) or time.monotonic() > deadline:
                    break
                time.sleep(1)
        assert set(body) == {"sandboxes"}
        assert set(body["sandboxes"]) == set(ids), body
        for m in body["sandboxes"].values():
            assert set(FIELDS) <= set(m), m
            assert m["memTotal"] > 0 and m["diskTotal"] > 0 and m["cpuCount"] >= 1
            parsed = datetime.datetime.fromisoformat(m["timestamp"].replace("Z", "+00:00"))
            assert int(parsed.timestamp()) == m["timestampUnix"]
    finally:
        other.kill()


def test_metrics_bad_query(sbx):
    with _api() as api:
        for path, params in [
            (f"/sandboxes/{sbx.sandbox_id}/metrics", {"start": "yesterday"}),
            (f"/sandboxes/{sbx.sandbox_id}/metrics", {"start": "200", "end": "100"}),
            ("/sandboxes/metrics", {}),
            ("/sandboxes/metrics", {"sandbox_ids": ",".join(f"x{i}" for i in range(101))}),
        ]:
            r = api.get(path, params=params)
            assert r.status_code == 400, f"{path} {params}: {r.status_code} {r.text}"
            body = r.json()
            assert body["code"] == 400 and body["message"], body
        r = api.get("/sandboxes/nosuchsandbox0000000/metrics")
        assert r.status_code == 404, r.text
