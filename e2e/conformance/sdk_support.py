"""What every conformance test module shares: the SDK versions under test, known SDK limitations,
waits, listing and kubectl. Test modules (`test_*.py`) import from here."""

import json
import os
import subprocess
import time
import uuid
from importlib.metadata import version

import pytest
from e2b import SandboxQuery
from e2b_code_interpreter import Sandbox

MODE = os.environ.get("KRUISE_MODE", "header")
E2B = tuple(int(p) for p in version("e2b").split(".")[:3])
CI = tuple(int(p) for p in version("e2b-code-interpreter").split(".")[:3])
RUN = uuid.uuid4().hex[:8]
IMAGE_KEY = "e2b.agents.kruise.io/image"


def module_sandbox(tag: str, timeout: int = 300):
    """The `sbx` fixture of a test module: one sandbox (metadata `t` = `tag`, under this run)
    for all its tests, killed after them. Use as `sbx = module_sandbox("files")`."""

    @pytest.fixture(scope="module", name="sbx")
    def sbx():
        s = Sandbox.create(timeout=timeout, metadata={"suite": "conformance", "run": RUN, "t": tag})
        yield s
        s.kill()

    return sbx


def limitation(feature: str):
    """Known SDK limitations, reported as n.a. with the reason instead of being run
    (KRUISE_NO_LIMITS=1 runs them anyway, to check whether one still holds)."""
    if os.environ.get("KRUISE_NO_LIMITS"):
        return None
    if MODE == "header":
        if CI < (2, 9, 0) and feature in ("run_code", "pause_drops_memory"):
            return "e2b-code-interpreter < 2.9.0 ignores E2B_SANDBOX_URL for the interpreter port"
    return None


def skip_limited(feature):
    reason = limitation(feature)
    if reason:
        pytest.skip(reason)


def _text(chunk) -> str:
    # Older SDKs hand callbacks an output object, newer ones a str.
    return chunk if isinstance(chunk, str) else getattr(chunk, "line", str(chunk))


def _state(info) -> str:
    return str(getattr(info.state, "value", info.state))


def _listed(query_metadata, state=None):
    query = SandboxQuery(metadata=query_metadata, state=state) if state else SandboxQuery(
        metadata=query_metadata
    )
    paginator = Sandbox.list(query=query)
    ids = [s.sandbox_id for s in paginator.next_items()]
    while paginator.has_next:
        ids += [s.sandbox_id for s in paginator.next_items()]
    return ids


def _wait(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {seconds}s")
        time.sleep(0.25)


def _gone(sandbox_id) -> bool:
    try:
        Sandbox.get_info(sandbox_id)
        return False
    except Exception as e:  # noqa: BLE001 - NotFoundException's module moved between versions
        return "not found" in str(e).lower() or type(e).__name__.startswith("NotFound")


def _pause(sbx):
    # The seed's beta_pause (pause() from e2b 2.8x on); filesystem-only on plain Kubernetes.
    return sbx.beta_pause()


def kubectl(*args) -> str:
    return subprocess.run(
        ["kubectl", *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def sandbox_objects(sandbox_id):
    """The Sandbox objects labelled with this E2B ID (a random label value, not a name)."""
    return json.loads(
        kubectl("get", "sbx", "-A", "-l", "agents.kruise.io/sandbox-id=" + sandbox_id, "-o", "json")
    )["items"]


def sandbox_object(sandbox_id):
    """The one Sandbox object of this E2B ID."""
    found = sandbox_objects(sandbox_id)
    assert len(found) == 1, f"one Sandbox labelled {sandbox_id}, found {len(found)}"
    return found[0]
