"""API parity, logs: the sandbox's container log in E2B's v1 and v2 shapes (raw HTTP: the SDKs
have no call; the CLI uses v1). Cluster-side: runs once per language."""

import subprocess

import pytest
from e2b_code_interpreter import Sandbox

from sdk_support import RUN, sandbox_objects
from test_api_list import api


def _pod_log(sandbox_id):
    """The last lines `kubectl logs` shows for the sandbox's pod, or None where the node serves no
    logs (the simulated node has no kubelet log endpoint)."""
    found = sandbox_objects(sandbox_id)[0]
    r = subprocess.run(["kubectl", "logs", "-n", found["metadata"]["namespace"],
                        found["metadata"]["name"], "--tail=20"],
                       capture_output=True, text=True, timeout=60)
    return r.stdout.splitlines() if r.returncode == 0 else None


@pytest.mark.cluster
def test_sandbox_logs():
    s = Sandbox.create(timeout=120, metadata={"run": RUN, "t": "logs"})
    try:
        v1 = api("GET", f"/sandboxes/{s.sandbox_id}/logs", params={"start": "0", "limit": "50"})
        assert v1.status_code == 200, v1.text
        assert set(v1.json()) == {"logs", "logEntries"}
        for line in v1.json()["logs"]:
            assert set(line) == {"timestamp", "line"}
        for entry in v1.json()["logEntries"]:
            assert set(entry) == {"timestamp", "level", "message", "fields"}
        v2 = api("GET", f"/v2/sandboxes/{s.sandbox_id}/logs",
                 params={"direction": "backward", "limit": "5"})
        assert v2.status_code == 200, v2.text
        assert set(v2.json()) == {"logs"} and len(v2.json()["logs"]) <= 5
        # E2B's parameter rules, not a stub that ignores them.
        for bad in ({"direction": "sideways"}, {"level": "fatal"}, {"limit": "5000"},
                    {"cursor": "yesterday"}):
            r = api("GET", f"/v2/sandboxes/{s.sandbox_id}/logs", params=bad)
            assert r.status_code == 400, (bad, r.text)
        assert api("GET", "/sandboxes/nosuchsandbox0000000/logs").status_code == 404
        pod = _pod_log(s.sandbox_id)
        if pod:  # the node serves logs: the API shows the same output
            got = [e["message"] for e in v2.json()["logs"]] + [
                e["line"] for e in v1.json()["logs"]]
            assert pod[-1].split(" ", 1)[-1] in " ".join(got) or pod[-1] in got, (pod, got)
    finally:
        s.kill()
