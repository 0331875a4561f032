"""API parity, create: create-on-no-stock by default, and the newest original's create extensions
(never-timeout, reserve-paused-sandbox-duration, return-sandbox-ip, `label:` keys).
Cluster-side: runs once per language."""

import json
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from e2b_code_interpreter import Sandbox

from sdk_support import RUN, _state, _wait, kubectl, sandbox_object
from test_api_list import api

EXT = "e2b.agents.kruise.io/"


def _time(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


@pytest.mark.cluster
def test_create_no_stock():
    # A SandboxSet with no warm member: create makes one (slower) instead of answering 503.
    base = json.loads(kubectl("get", "sbs", "-n", "default", "code-interpreter", "-o", "json"))
    name = "nostock-" + RUN
    empty = {
        "apiVersion": base["apiVersion"],
        "kind": base["kind"],
        "metadata": {"name": name, "namespace": "default"},
        "spec": {**base["spec"], "replicas": 0},
    }
    subprocess.run(["kubectl", "apply", "-f", "-"], input=json.dumps(empty), text=True,
                   check=True, capture_output=True, timeout=60)
    s = None
    try:
        _wait(lambda: "0" in kubectl("get", "sbs", "-n", "default", name, "-o",
                                     "jsonpath={.spec.replicas}"), 30, "SandboxSet visible")
        s = Sandbox.create(template=name, timeout=120, metadata={"run": RUN, "t": "nostock"})
        assert _state(s.get_info()) == "running"
        assert s.get_info().template_id == name
        assert s.commands.run("echo made").stdout == "made\n"
    finally:
        if s is not None:
            s.kill()
        kubectl("delete", "sbs", "-n", "default", name, "--wait=false")


@pytest.mark.cluster
def test_ext_never_timeout():
    s = Sandbox.create(timeout=30, metadata={"run": RUN, EXT + "never-timeout": "true"})
    try:
        spec = sandbox_object(s.sandbox_id)["spec"]
        assert not spec.get("shutdownTime") and not spec.get("pauseTime"), spec
        assert EXT + "never-timeout" not in s.get_info().metadata
        assert _state(s.get_info()) == "running"
    finally:
        s.kill()


@pytest.mark.cluster
def test_ext_reserve_paused():
    annotation = "agents.kruise.io/reserve-paused-sandbox-duration"
    s = Sandbox.create(
        timeout=120, metadata={"run": RUN, EXT + "reserve-paused-sandbox-duration": "2h"}
    )
    try:
        assert sandbox_object(s.sandbox_id)["metadata"]["annotations"][annotation] == "2h"
        # Manual pause with the newest original's header: its value replaces the retention.
        r = api("POST", f"/sandboxes/{s.sandbox_id}/pause",
                headers={"x-e2b-kruise-reserve-paused-sandbox-duration": "48h"})
        assert r.status_code == 204, r.text
        sbx = sandbox_object(s.sandbox_id)
        assert sbx["metadata"]["annotations"][annotation] == "48h"
        kept = _time(sbx["spec"]["shutdownTime"]) - datetime.now(timezone.utc)
        assert timedelta(hours=47) < kept <= timedelta(hours=48, minutes=1), kept
        _wait(lambda: _state(s.get_info()) == "paused", 60, "paused")
    finally:
        s.kill()
    with pytest.raises(Exception) as bad:
        Sandbox.create(timeout=60, metadata={EXT + "reserve-paused-sandbox-duration": "7d"})
    assert "reserve-paused-sandbox-duration" in str(bad.value)


@pytest.mark.cluster
def test_ext_return_ip():
    s = Sandbox.create(timeout=120, metadata={"run": RUN, EXT + "return-sandbox-ip": "true"})
    try:
        ip = sandbox_object(s.sandbox_id)["status"]["sandboxIp"]
        assert ip and s.get_info().metadata.get(EXT + "sandbox-ip") == ip
    finally:
        s.kill()
    plain = Sandbox.create(timeout=120, metadata={"run": RUN})
    try:
        assert EXT + "sandbox-ip" not in plain.get_info().metadata
    finally:
        plain.kill()


@pytest.mark.cluster
def test_ext_labels():
    s = Sandbox.create(timeout=120, metadata={"run": RUN, "label:conformance-run": RUN})
    try:
        labels = sandbox_object(s.sandbox_id)["metadata"]["labels"]
        assert labels.get("conformance-run") == RUN, labels
        assert "label:conformance-run" not in s.get_info().metadata
    finally:
        s.kill()
    for bad in ("label:bad key", "label:agents.kruise.io/sandbox-claimed", EXT + "no-such-key"):
        with pytest.raises(Exception) as e:
            Sandbox.create(timeout=60, metadata={bad: "x"})
        assert bad in str(e.value) and "400" in str(e.value), str(e.value)
