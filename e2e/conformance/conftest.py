"""Conformance run of the real Python E2B SDKs against `bin/run-local`.

`KRUISE_MODE` picks how the unmodified SDK reaches the system:

- `native`: only `E2B_DOMAIN` (+ `E2B_API_KEY`) is set; the SDK calls `https://api.<domain>` and
  `https://<port>-<sandboxID>.<domain>`. Those names resolve to 127.0.0.1 through an override in
  this process (socket.getaddrinfo for httpx; a per-host pyqwest transport with `dns_overrides`
  for the Rust transport of e2b >= 2.38), standing in for wildcard DNS.
- `private`: `kruise_agents.patch_e2b(https=<KRUISE_HTTPS>)`, the `/kruise/...` path protocol; only
  `<domain>` itself resolves.
- `header`: `E2B_API_URL` + `E2B_SANDBOX_URL` set by the caller, routed on `E2b-Sandbox-*` headers;
  nothing under the domain resolves (an SDK call that ignores the override fails, as it would
  without wildcard DNS).

Every test's outcome is appended to `KRUISE_RESULTS` (JSON lines) as one cell of the
compatibility table: sdk, version, mode, feature (the test name without `test_`), result, reason.
Started by `e2e/conformance/bin/test`.
"""

import json
import os
import socket
from importlib.metadata import version

import pytest

MODE = os.environ.get("KRUISE_MODE", "header")
HTTPS = os.environ.get("KRUISE_HTTPS") == "1"
DOMAIN_HOST = os.environ.get("E2B_DOMAIN", "localhost").rsplit(":", 1)[0]


def _local_name(host) -> bool:
    """What the stand-in DNS resolves: native mode has wildcard DNS (`*.<domain>`), private mode
    only the domain itself, header mode nothing (it exists for setups without either)."""
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str) or MODE == "header":
        return False
    return host == DOMAIN_HOST or (MODE == "native" and host.endswith("." + DOMAIN_HOST))


def _override_resolver() -> None:
    """Wildcard DNS for `*.<domain>` → 127.0.0.1, in this process only."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        return real("127.0.0.1" if _local_name(host) else host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo

    try:  # e2b >= 2.38 talks through pyqwest (Rust: its own resolver and CA store)
        import pyqwest
    except ImportError:
        return
    ca = None
    if os.environ.get("SSL_CERT_FILE"):
        with open(os.environ["SSL_CERT_FILE"], "rb") as f:
            ca = f.read()

    def per_host(real_cls, sync):
        class PerHost:
            """One real transport per host name, each with that name pinned to 127.0.0.1."""

            def __init__(self, **kwargs):
                self._kwargs = kwargs
                self._by_host = {}

            def _for(self, url):
                host = str(url).split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
                if host not in self._by_host:
                    kw = dict(self._kwargs)
                    if _local_name(host):
                        kw["dns_overrides"] = {host: ["127.0.0.1"]}
                    if ca is not None:
                        kw["tls_ca_cert"] = ca
                    self._by_host[host] = real_cls(**kw)
                return self._by_host[host]

            if sync:

                def execute_sync(self, request):
                    return self._for(request.url).execute_sync(request)

                def close(self):
                    for t in self._by_host.values():
                        t.close()

            else:

                def execute(self, request):
                    return self._for(request.url).execute(request)

                async def aclose(self):
                    for t in self._by_host.values():
                        await t.aclose()

        return PerHost

    import e2b.api.client_sync as client_sync

    client_sync.SyncHTTPTransport = per_host(pyqwest.SyncHTTPTransport, True)
    try:
        import e2b.api.client_async as client_async

        client_async.HTTPTransport = per_host(pyqwest.HTTPTransport, False)
    except ImportError:
        pass


def _trust_local_ca() -> None:
    """httpx (e2b < 2.38) verifies against certifi, not SSL_CERT_FILE: add the local CA."""
    cafile = os.environ.get("SSL_CERT_FILE")
    if not cafile:
        return
    import ssl

    real = ssl.create_default_context

    def create_default_context(*args, **kwargs):
        ctx = real(*args, **kwargs)
        try:
            ctx.load_verify_locations(cafile=cafile)
        except Exception:  # noqa: BLE001 - a server-side context has nothing to verify
            pass
        return ctx

    ssl.create_default_context = create_default_context  # httpx builds its context with it


_trust_local_ca()
_override_resolver()
if MODE == "private":
    from kruise_agents.patch_e2b import patch_e2b

    patch_e2b(https=HTTPS)

CELL = {
    "sdk": "python",
    "flavour": os.environ.get("KRUISE_FLAVOUR", ""),
    "version": f"e2b {version('e2b')} / e2b-code-interpreter {version('e2b-code-interpreter')}",
    # The table's mode column: the routing mode, or `real-node` for the private-mode cell that runs
    # against real containers (KRUISE_CELL_MODE set by bin/test).
    "mode": os.environ.get("KRUISE_CELL_MODE", MODE),
}


def _record(feature: str, result: str, reason: str = "") -> None:
    path = os.environ.get("KRUISE_RESULTS")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        row = dict(CELL, feature=feature, result=result, reason=reason)
        f.write(json.dumps(row) + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    feature = item.name.removeprefix("test_")
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.passed:
            _record(feature, "pass")
        elif report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            _record(feature, "n.a.", reason.removeprefix("Skipped: "))
        else:
            msg = getattr(report.longrepr, "reprcrash", None)
            text = msg.message if msg is not None else str(report.longrepr)
            _record(feature, "fail", text.splitlines()[0][:200] if text else "")


def pytest_configure(config):
    config.addinivalue_line("markers", "cluster: cluster-side feature, run once per language")
    config.addinivalue_line(
        "markers", "runtime: sandbox fidelity (envd, interpreter), private-mode cells and real node"
    )
