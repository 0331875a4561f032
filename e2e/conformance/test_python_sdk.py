"""The seed examples through the real Python SDK; each test is one feature of the compatibility
table and asserts its outcome, not just the absence of errors.

Core features run in every SDK x version x mode cell; the ones marked `cluster` (they also check
the cluster with kubectl and take longer) run once per language, the ones marked `runtime`
(sandbox fidelity, in their own `test_sandbox_*.py` modules) in the private-mode cells and on the
real node (see `e2e/conformance/bin/test`).
"""

import json
import os
import subprocess

import pytest
from e2b import SandboxState
from e2b_code_interpreter import Sandbox

from sdk_support import (
    IMAGE_KEY,
    RUN,
    E2B,
    _gone,
    _listed,
    _pause,
    _state,
    _text,
    _wait,
    kubectl,
    limitation,
    sandbox_object,
    skip_limited,
)


@pytest.fixture(scope="module")
def sbx():
    s = Sandbox.create(timeout=300, metadata={"suite": "conformance", "run": RUN})
    yield s
    s.kill()


def test_create_kill():
    s = Sandbox.create(timeout=120, metadata={"suite": "conformance", "run": RUN, "t": "kill"})
    try:
        assert s.is_running()
        info = s.get_info()
        assert info.sandbox_id == s.sandbox_id
        assert _state(info) == "running"
        assert s.sandbox_id in _listed({"run": RUN, "t": "kill"})
        s.set_timeout(60)  # may shorten, as in E2B
        assert s.get_info().end_at < info.end_at
    finally:
        assert s.kill() is True
    assert s.sandbox_id not in _listed({"run": RUN, "t": "kill"})
    assert _gone(s.sandbox_id)
    # The pod (and so envd's /health) goes a moment after the Sandbox.
    _wait(lambda: not s.is_running(), 15, "killed sandbox stops answering")


def test_run_code(sbx):
    skip_limited("run_code")
    assert sbx.run_code("6 * 7").text == "42"
    sbx.run_code("a = 41")
    assert sbx.run_code("print(a + 1)").logs.stdout == ["42\n"]
    err = sbx.run_code("1 / 0").error
    assert err is not None and err.name == "ZeroDivisionError"


def test_files(sbx):
    skip_limited("files")
    sbx.files.write("/home/user/conformance.txt", "hello conformance")
    assert sbx.files.read("/home/user/conformance.txt") == "hello conformance"
    blob = bytes(range(256)) * 64
    sbx.files.write("/home/user/blob.bin", blob)
    assert bytes(sbx.files.read("/home/user/blob.bin", format="bytes")) == blob
    assert {"conformance.txt", "blob.bin"} <= {e.name for e in sbx.files.list("/home/user")}


def test_commands_stream(sbx):
    events = []
    result = sbx.commands.run(
        "echo one; sleep 0.3; echo two 1>&2; sleep 0.3; echo three",
        on_stdout=lambda c: events.append(("out", _text(c))),
        on_stderr=lambda c: events.append(("err", _text(c))),
    )
    assert result.exit_code == 0
    assert result.stdout == "one\nthree\n"
    assert result.stderr == "two\n"
    lines = [(k, line) for k, t in events for line in t.splitlines() if line]
    assert lines == [("out", "one"), ("err", "two"), ("out", "three")]


@pytest.fixture(scope="module")
def paused_and_connected():
    """The seed's pause example: state, pause, connect. (original, reconnected)"""
    s = Sandbox.create(timeout=300, metadata={"suite": "conformance", "run": RUN, "t": "pause"})
    if limitation("pause_drops_memory") is None:
        s.run_code("a = 1")
        assert s.run_code("a").text == "1"
    _pause(s)
    state = _state(s.get_info())
    again = Sandbox.connect(s.sandbox_id, timeout=300)
    yield s, state, again
    again.kill()


def test_pause_connect(paused_and_connected):
    skip_limited("pause_connect")
    s, state_after_pause, again = paused_and_connected
    assert state_after_pause == "paused"
    assert again.sandbox_id == s.sandbox_id
    assert _state(Sandbox.get_info(s.sandbox_id)) == "running"
    assert again.is_running()
    assert again.commands.run("echo back").stdout == "back\n"


def test_pause_drops_memory(paused_and_connected):
    """Deviation: pause deletes the pod on plain Kubernetes, so interpreter state is gone."""
    skip_limited("pause_drops_memory")
    _, _, again = paused_and_connected
    execution = again.run_code("print(a)")
    assert execution.error is not None and execution.error.name == "NameError"


def test_metadata_list():
    a = Sandbox.create(timeout=120, metadata={"run": RUN, "t": "list", "which": "a"})
    b = Sandbox.create(timeout=120, metadata={"run": RUN, "t": "list", "which": "b"})
    try:
        assert a.get_info().metadata == {"run": RUN, "t": "list", "which": "a"}
        assert _listed({"run": RUN, "t": "list", "which": "a"}) == [a.sandbox_id]
        assert sorted(_listed({"run": RUN, "t": "list"})) == sorted([a.sandbox_id, b.sandbox_id])
        assert _listed({"run": RUN, "t": "none"}) == []
    finally:
        a.kill()
        b.kill()


# --- cluster-side features: once per language ---


@pytest.mark.cluster
def test_timeout():
    s = Sandbox.create(timeout=3, metadata={"run": RUN, "t": "timeout"})
    assert s.is_running()
    _wait(lambda: _gone(s.sandbox_id), 30, "sandbox deleted after its timeout")
    assert s.sandbox_id not in _listed({"run": RUN, "t": "timeout"})


@pytest.mark.cluster
def test_auto_pause():
    meta = {"run": RUN, "t": "autopause"}
    if E2B >= (2, 15, 0):
        s = Sandbox.create(timeout=3, metadata=meta, lifecycle={"on_timeout": "pause"})
    else:
        s = Sandbox.beta_create(timeout=3, metadata=meta, auto_pause=True)
    try:
        _wait(lambda: _state(s.get_info()) == "paused", 30, "auto-paused after its timeout")
        assert _listed(meta, state=[SandboxState.PAUSED]) == [s.sandbox_id]
        again = Sandbox.connect(s.sandbox_id, timeout=60)
        assert again.commands.run("echo resumed").stdout == "resumed\n"
    finally:
        s.kill()


def _pod(sandbox_id):
    # The E2B ID is a random label value (agents.kruise.io/sandbox-id), not a name: find the
    # Sandbox by label; its pod has the Sandbox's name.
    meta = sandbox_object(sandbox_id)["metadata"]
    ns, name = meta["namespace"], meta["name"]
    return ns, json.loads(kubectl("get", "pod", "-n", ns, name, "-o", "json"))


@pytest.mark.cluster
def test_image_inplace():
    warm = json.loads(
        kubectl("get", "sbx", "-n", "default", "-l", "agents.kruise.io/sandbox-claimed=false",
                "-o", "json")
    )
    pods = json.loads(kubectl("get", "pods", "-n", "default", "-o", "json"))["items"]
    warm_names = {w["metadata"]["name"] for w in warm["items"]}
    warm_uids = {p["metadata"]["uid"] for p in pods if p["metadata"]["name"] in warm_names}
    image = "e2bdev/code-interpreter:conformance-" + RUN
    s = Sandbox.create(timeout=120, metadata={"run": RUN, IMAGE_KEY: image})
    try:
        _, pod = _pod(s.sandbox_id)
        assert pod["spec"]["containers"][0]["image"] == image
        status = pod["status"]["containerStatuses"][0]
        assert status["image"] == image and status["restartCount"] >= 1
        assert pod["metadata"]["uid"] in warm_uids, "pod was replaced, not updated in place"
        assert IMAGE_KEY not in s.get_info().metadata
        assert s.get_info().metadata.get("run") == RUN
        assert s.commands.run("echo still-here").stdout == "still-here\n"
    finally:
        s.kill()


@pytest.mark.cluster
def test_csi_shared_volume():
    volume = os.environ.get("KRUISE_CSI_VOLUME", "conformance-shared")
    meta = {
        "run": RUN,
        "e2b.agents.kruise.io/csi-volume-name": volume,
        "e2b.agents.kruise.io/csi-mount-point": "/mnt/shared",
    }
    a = Sandbox.create(timeout=120, metadata=meta)
    b = None
    try:
        # The files API (not a shell command: local pods share the host's filesystem namespace).
        a.files.write(f"/mnt/shared/py-{RUN}.txt", f"from {a.sandbox_id}")
        b = Sandbox.create(timeout=120, metadata=meta)
        assert b.sandbox_id != a.sandbox_id
        assert b.files.read(f"/mnt/shared/py-{RUN}.txt") == f"from {a.sandbox_id}"
        assert "csi-volume-name" not in json.dumps(b.get_info().metadata)
    finally:
        a.kill()
        if b is not None:
            b.kill()


@pytest.mark.cluster
def test_sandboxclaim_batch():
    name = "conformance-" + RUN
    claim = {
        "apiVersion": "agents.kruise.io/v1alpha1",
        "kind": "SandboxClaim",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"templateName": "code-interpreter", "replicas": 10, "createOnNoStock": True},
    }
    subprocess.run(["kubectl", "apply", "-f", "-"], input=json.dumps(claim), text=True,
                   check=True, capture_output=True, timeout=60)
    try:
        def row():
            return kubectl("get", "sbc", "-n", "default", name, "--no-headers").split()

        _wait(lambda: row()[1:2] == ["Completed"], 60, "SandboxClaim Completed")
        table = kubectl("get", "sbc", "-n", "default", name).splitlines()
        assert table[0].split() == ["NAME", "PHASE", "TEMPLATE", "DESIRED", "CLAIMED", "AGE"]
        assert table[1].split()[:5] == [name, "Completed", "code-interpreter", "10", "10"]
        sbx = kubectl("get", "sbx", "-n", "default", "-l",
                      f"agents.kruise.io/claim-name={name}").splitlines()
        assert sbx[0].split()[:3] == ["NAME", "STATUS", "AGE"]
        assert sbx[0].split()[3:] == ["SHUTDOWN_TIME", "PAUSE_TIME", "MESSAGE"]
        assert len(sbx) == 11 and all(line.split()[1] == "Running" for line in sbx[1:])
    finally:
        kubectl("delete", "sbc", "-n", "default", name, "--wait=false")
        kubectl("delete", "sbx", "-n", "default", "-l", f"agents.kruise.io/claim-name={name}",
                "--wait=false")
