"""URL rewriting without a server: build SDK objects and ask them for their URLs."""

from __future__ import annotations

import types

import e2b
import e2b.api
import pytest
from e2b import ConnectionConfig
from e2b.sandbox.main import SandboxBase

from kruise_agents import patch_e2b as patch_module
from kruise_agents.patch_e2b import (
    is_patched,
    patch_e2b,
    private_api_url,
    private_sandbox_url,
    unpatch_e2b,
)

SID = "i1m5kq0x7c2w9e4r8t3a"  # the shape of a real ID: 20 random [a-z0-9]


def _hooks() -> dict:
    import e2b_code_interpreter

    found = {
        f"ConnectionConfig.{n}": ConnectionConfig.__dict__.get(n)
        for n in ("__init__", "get_host", "get_sandbox_url", "get_sandbox_direct_url")
    }
    found.update({f"SandboxBase.{n}": SandboxBase.__dict__.get(n) for n in ("_file_url", "get_mcp_url")})
    for cls in (e2b_code_interpreter.Sandbox, e2b_code_interpreter.AsyncSandbox):
        for c in cls.__mro__:
            if "_jupyter_url" in c.__dict__:
                found[f"{c.__module__}.{c.__name__}._jupyter_url"] = c.__dict__["_jupyter_url"]
    return found


@pytest.mark.parametrize("https,scheme", [(True, "https"), (False, "http")])
def test_api_and_sandbox_urls(https: bool, scheme: str) -> None:
    patch_e2b(https=https)
    config = ConnectionConfig()
    assert config.api_url == f"{scheme}://agents.example.com/kruise/api"
    assert config.get_host(SID, "agents.example.com", 8080) == f"agents.example.com/kruise/{SID}/8080"
    assert config.get_sandbox_url(SID, "agents.example.com") == f"{scheme}://agents.example.com/kruise/{SID}/49983"
    if hasattr(config, "get_sandbox_direct_url"):
        assert config.get_sandbox_direct_url(SID, "agents.example.com", 49999) == (
            f"{scheme}://agents.example.com/kruise/{SID}/49999"
        )


def test_domain_with_port_and_explicit_domain() -> None:
    patch_e2b(https=False)
    config = ConnectionConfig(domain="10.0.0.5:7788")
    assert config.api_url == "http://10.0.0.5:7788/kruise/api"
    # The sandbox domain from the create response wins over the client's, as in the SDK.
    assert config.get_sandbox_url(SID, "other.example.com:443") == f"http://other.example.com:443/kruise/{SID}/49983"
    assert config.get_host(SID, "", 3000) == f"10.0.0.5:7788/kruise/{SID}/3000"


def test_explicit_api_url_wins_but_env_overrides_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("E2B_API_URL", "https://elsewhere.example.com")
    monkeypatch.setenv("E2B_SANDBOX_URL", "https://sandbox.elsewhere.example.com")
    patch_e2b()
    config = ConnectionConfig()
    assert config.api_url == "https://agents.example.com/kruise/api"
    assert config.get_sandbox_url(SID, "agents.example.com") == f"https://agents.example.com/kruise/{SID}/49983"
    assert ConnectionConfig(api_url="https://mine.example.com/x").api_url == "https://mine.example.com/x"


def test_rebuilt_config_keeps_private_api_url() -> None:
    """Instance methods (kill, set_timeout, ...) rebuild a config from get_api_params."""
    patch_e2b(https=False)
    rebuilt = ConnectionConfig(**ConnectionConfig().get_api_params())
    assert rebuilt.api_url == "http://agents.example.com/kruise/api"


def test_e2b_default_domain_is_rewritten_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # Newer SDKs send e2b.app traffic to https://sandbox.e2b.app; the patch must still win.
    monkeypatch.delenv("E2B_DOMAIN")
    patch_e2b()
    assert ConnectionConfig().get_sandbox_url(SID, "e2b.app") == f"https://e2b.app/kruise/{SID}/49983"


def test_debug_mode_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("E2B_DEBUG", "true")
    patch_e2b()
    config = ConnectionConfig()
    assert config.api_url == "http://localhost:3000"
    assert config.get_sandbox_url(SID, "agents.example.com") == "http://localhost:49983"
    assert config.get_host(SID, "agents.example.com", 8080) == "localhost:8080"


def test_idempotent_and_reversible() -> None:
    before = _hooks()
    assert not is_patched()
    patch_e2b(https=False)
    once = _hooks()
    patch_e2b(https=False)
    assert _hooks() == once, "a second call must not wrap again"
    assert all(once[k] is not before[k] for k in before if before[k] is not None)
    unpatch_e2b()
    assert _hooks() == before
    assert not is_patched()
    assert ConnectionConfig().api_url == "https://api.agents.example.com"
    unpatch_e2b()  # no-op


def test_switching_scheme_reapplies_without_stacking() -> None:
    before = _hooks()
    patch_e2b(https=True)
    patch_e2b(https=False)
    assert ConnectionConfig().api_url == "http://agents.example.com/kruise/api"
    unpatch_e2b()
    assert _hooks() == before


def test_reloaded_module_does_not_stack() -> None:
    """A reload loses the undo record; the next patch must unwrap, not wrap our wrapper."""
    import importlib

    before = _hooks()
    patch_e2b()
    fresh = importlib.reload(patch_module)  # module state reset, first patch still installed
    assert ConnectionConfig().api_url == "https://api.agents.example.com", "stale wrappers are inert"
    fresh.patch_e2b(https=False)
    wrapper = ConnectionConfig.__dict__["get_host"]
    assert getattr(wrapper, "_kruise_agents_original") is before["ConnectionConfig.get_host"]
    assert ConnectionConfig().get_sandbox_url(SID, "d") == f"http://d/kruise/{SID}/49983"
    fresh.unpatch_e2b()
    assert _hooks() == before


def test_validate_key_false_skips_the_format_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # e2b 2.25-2.45 expose e2b.api.validate_api_key; emulate it on versions that do not.
    def strict(api_key: str) -> None:
        raise ValueError("bad key")

    monkeypatch.setattr(e2b.api, "validate_api_key", strict, raising=False)
    patch_e2b(validate_key=False)
    assert e2b.api.validate_api_key("raw-key") is None
    patch_e2b(validate_key=True)  # re-applies without the stub
    assert e2b.api.validate_api_key is strict
    unpatch_e2b()
    assert e2b.api.validate_api_key is strict


def test_file_url_keeps_the_path_prefix() -> None:
    patch_e2b(https=False)
    config = ConnectionConfig()
    fake = types.SimpleNamespace(
        connection_config=config,
        envd_api_url=config.get_sandbox_url(SID, "agents.example.com"),
        envd_direct_url=config.get_sandbox_url(SID, "agents.example.com"),
    )
    url = SandboxBase._file_url(fake, "/tmp/a b.txt", "user")  # type: ignore[arg-type]
    assert url.startswith(f"http://agents.example.com/kruise/{SID}/49983/files?")
    assert "path=%2Ftmp%2Fa%20b.txt" in url and "username=user" in url


def test_helpers() -> None:
    assert private_api_url("d:1", https=False) == "http://d:1/kruise/api"
    assert private_sandbox_url("d", "s", 49999) == "https://d/kruise/s/49999"
