"""Real SDK calls against a local fake: every request must use the private paths."""

from __future__ import annotations

import asyncio

import pytest
from conftest import ACCESS_TOKEN, SANDBOX_ID, FakeServer, paths

from kruise_agents.patch_e2b import patch_e2b

ENVD = f"/kruise/{SANDBOX_ID}/49983"
JUPYTER = f"/kruise/{SANDBOX_ID}/49999"


def _assert_sandbox_traffic(server: FakeServer) -> None:
    posts = paths(server, "POST")
    assert posts[0] in ("/kruise/api/sandboxes", "/kruise/api/v2/sandboxes")
    assert f"{ENVD}/files" in posts
    assert f"{ENVD}/process.Process/Start" in posts
    assert f"{JUPYTER}/execute" in posts
    assert f"/kruise/api/sandboxes/{SANDBOX_ID}" in paths(server, "DELETE")
    # Nothing went anywhere else (e.g. a dropped /kruise prefix on /files).
    assert all(p.startswith("/kruise/") for p in paths(server)), server.calls()
    write = next(r for r in server.requests if r.path.startswith(f"{ENVD}/files"))
    assert "path=" in write.path and write.headers.get("x-access-token") == ACCESS_TOKEN


def test_sync_code_interpreter_sandbox_uses_private_paths(fake_server: FakeServer) -> None:
    from e2b_code_interpreter import Sandbox

    patch_e2b(https=False)
    sbx = Sandbox.create(timeout=60)
    assert sbx.sandbox_id == SANDBOX_ID

    sbx.files.write("/tmp/a.txt", "hello")
    result = sbx.commands.run("echo hi")
    assert (result.exit_code, result.stdout) == (0, "hi\n")
    assert sbx.run_code("1+1").text == "2"

    base = f"http://{fake_server.domain}"
    assert sbx.get_host(8080) == f"{fake_server.domain}/kruise/{SANDBOX_ID}/8080"
    assert sbx.download_url("/tmp/a.txt").startswith(f"{base}{ENVD}/files?")
    assert sbx.upload_url("/tmp/a.txt").startswith(f"{base}{ENVD}/files?")
    assert sbx.get_mcp_url() == f"{base}/kruise/{SANDBOX_ID}/50005/mcp"
    assert sbx.kill() in (True, None)

    _assert_sandbox_traffic(fake_server)


def test_async_code_interpreter_sandbox_uses_private_paths(fake_server: FakeServer) -> None:
    from e2b_code_interpreter import AsyncSandbox

    patch_e2b(https=False)

    async def scenario() -> None:
        sbx = await AsyncSandbox.create(timeout=60)
        await sbx.files.write("/tmp/a.txt", "hello")
        result = await sbx.commands.run("echo hi")
        assert result.stdout == "hi\n"
        execution = await sbx.run_code("1+1")
        assert execution.text == "2"
        assert sbx.download_url("/tmp/a.txt").startswith(f"http://{fake_server.domain}{ENVD}/files?")
        await sbx.kill()

    asyncio.run(scenario())
    _assert_sandbox_traffic(fake_server)


def test_plain_e2b_sandbox_uses_private_paths(fake_server: FakeServer) -> None:
    from e2b import Sandbox

    patch_e2b(https=False)
    sbx = Sandbox.create(timeout=60)
    sbx.files.write("/tmp/a.txt", "hello")
    assert sbx.commands.run("echo hi").stdout == "hi\n"
    sbx.kill()

    posts = paths(fake_server, "POST")
    assert f"{ENVD}/files" in posts and f"{ENVD}/process.Process/Start" in posts
    assert all(p.startswith("/kruise/") for p in paths(fake_server)), fake_server.calls()


def test_unpatched_sdk_does_not_reach_the_private_api(fake_server: FakeServer) -> None:
    """Control: without the patch the SDK aims at https://api.<domain>, not our paths."""
    from e2b import Sandbox

    with pytest.raises(Exception):
        Sandbox.create(timeout=60, request_timeout=2)
    assert fake_server.requests == []


def test_foreign_key_with_validate_key_false(fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """e2b 2.25-2.45 reject keys not shaped e2b_<hex> before sending; validate_key=False lifts that."""
    import e2b.api
    from e2b import Sandbox

    monkeypatch.setenv("E2B_API_KEY", "foreign-key-1")
    if "validate_api_key" in vars(e2b.api):
        patch_e2b(https=False)
        with pytest.raises(Exception):
            Sandbox.create(timeout=60)
        assert fake_server.requests == []
    patch_e2b(https=False, validate_key=False)
    sbx = Sandbox.create(timeout=60)
    assert fake_server.requests[-1].headers.get("x-api-key") == "foreign-key-1"
    sbx.kill()
