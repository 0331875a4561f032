"""Point the unmodified E2B Python SDK at OpenKruise Agents' private protocol.

The SDK normally talks to ``https://api.<domain>`` and reaches a sandbox at
``https://<port>-<sandboxID>.<domain>``, which needs wildcard DNS and a
wildcard certificate. After :func:`patch_e2b` it uses one host instead:

* API:     ``<scheme>://<domain>/kruise/api``
* sandbox: ``<scheme>://<domain>/kruise/<sandboxID>/<port>``

The patch replaces the SDK's URL-building methods at class level, so it
affects every client created afterwards (sync and async ``Sandbox`` and the
code-interpreter ``Sandbox``). Call it once at start-up, before creating
sandboxes; objects built earlier keep the URLs they already computed.
"""

from __future__ import annotations

import functools
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Tuple

__all__ = [
    "ENVD_PORT",
    "JUPYTER_PORT",
    "is_patched",
    "patch_e2b",
    "private_api_url",
    "private_sandbox_host",
    "private_sandbox_url",
    "unpatch_e2b",
]

ENVD_PORT = 49983
"""Port of the in-sandbox daemon (envd)."""

JUPYTER_PORT = 49999
"""Port of the code-interpreter server."""

_PREFIX = "kruise"
_MARK = "_kruise_agents_original"  # set on every replacement; holds what it replaced
_MISSING = object()


def _scheme(https: bool) -> str:
    return "https" if https else "http"


def private_api_url(domain: str, https: bool = True) -> str:
    """Return the API base URL of the private protocol for ``domain``.

    ``domain`` may carry a port (``example.com:8080``).
    """
    return f"{_scheme(https)}://{domain}/{_PREFIX}/api"


def private_sandbox_host(domain: str, sandbox_id: str, port: int) -> str:
    """Return ``<domain>/kruise/<sandboxID>/<port>``: what ``get_host`` yields once patched.

    It is not a bare host any more, but every SDK caller only ever prefixes a
    scheme to it, so a URL built from it lands on the right path.
    """
    return f"{domain}/{_PREFIX}/{sandbox_id}/{port}"


def private_sandbox_url(domain: str, sandbox_id: str, port: int, https: bool = True) -> str:
    """Return the base URL of ``port`` inside sandbox ``sandbox_id``."""
    return f"{_scheme(https)}://{private_sandbox_host(domain, sandbox_id, port)}"


@dataclass
class _State:
    https: bool
    validate_key: bool
    # (owner, attribute name, value found in owner.__dict__ or _MISSING), in patch order
    replaced: List[Tuple[Any, str, Any]] = field(default_factory=list)


_lock = threading.RLock()
_state: Optional[_State] = None


def is_patched() -> bool:
    """Whether :func:`patch_e2b` is currently in effect."""
    return _state is not None


def _https() -> bool:
    # Read at call time so every replacement sees the current setting.
    return _state.https if _state is not None else True


def _active(config: Any) -> bool:
    """Whether to rewrite for ``config``: patched and not in debug mode.

    Checking the state at call time also makes a replacement whose undo
    record was lost (module reloaded) inert instead of half-active.
    """
    return _state is not None and not config.debug


def _replace(state: _State, owner: Any, name: str, make: Callable[[Any], Any]) -> None:
    """Install ``make(original)`` as ``owner.name`` and remember how to undo it."""
    current = owner.__dict__.get(name, _MISSING)
    original = current
    # A replacement left over from an earlier copy of this module (e.g. after
    # importlib.reload) is unwrapped first, so patches never stack.
    while original is not _MISSING and hasattr(_func_of(original), _MARK):
        original = getattr(_func_of(original), _MARK)
    if current is not original:
        setattr(owner, name, original)  # put the SDK's own attribute back before wrapping it
    inherited = getattr(owner, name, None) if original is _MISSING else original
    replacement = make(inherited)
    setattr(_func_of(replacement), _MARK, original)
    state.replaced.append((owner, name, original))
    setattr(owner, name, replacement)


def _func_of(attr: Any) -> Any:
    """The function object carrying our marker: the getter of a property, else the attribute."""
    return attr.fget if isinstance(attr, property) else attr


# --- replacements -----------------------------------------------------------------------------


def _connection_config_init(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        # An explicit api_url wins (the SDK also passes the already rewritten
        # one when it rebuilds a config from get_api_params). Debug mode keeps
        # its localhost wiring.
        if not kwargs.get("api_url") and _active(self):
            self.api_url = private_api_url(self.domain, _https())

    return __init__


def _get_host(original: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(original)
    def get_host(self: Any, sandbox_id: str, sandbox_domain: Optional[str], port: int) -> str:
        if not _active(self):
            return original(self, sandbox_id, sandbox_domain, port)
        return private_sandbox_host(sandbox_domain or self.domain, sandbox_id, port)

    return get_host


def _get_sandbox_url(original: Callable[..., str]) -> Callable[..., str]:
    # e2b 2.8 has (sandbox_id, sandbox_domain); later versions add port=None.
    # The replacement accepts both, and the code-interpreter hook relies on port.
    @functools.wraps(original)
    def get_sandbox_url(
        self: Any, sandbox_id: str, sandbox_domain: Optional[str], port: Optional[int] = None
    ) -> str:
        if not _active(self):
            extra = () if port is None else (port,)
            return original(self, sandbox_id, sandbox_domain, *extra)
        # The private path wins over E2B_SANDBOX_URL and over the SDK's
        # `https://sandbox.<domain>` shortcut for E2B's own domains.
        target = self.envd_port if port is None else port
        return f"{_scheme(_https())}://{self.get_host(sandbox_id, sandbox_domain, target)}"

    return get_sandbox_url


def _file_url(original: Callable[..., str]) -> Callable[..., str]:
    # The SDK joins "/files" onto the envd URL with urljoin, which drops a path
    # prefix: https://d/kruise/<id>/49983 + /files -> https://d/files. Re-root it.
    @functools.wraps(original)
    def _file_url(self: Any, *args: Any, **kwargs: Any) -> str:
        url = original(self, *args, **kwargs)
        if not _active(self.connection_config):
            return url
        base: str = getattr(self, "envd_direct_url", None) or self.envd_api_url
        base_path = urllib.parse.urlsplit(base).path.rstrip("/")
        parts = urllib.parse.urlsplit(url)
        if not base_path or parts.path.startswith(base_path + "/"):
            return url
        rooted = urllib.parse.urlsplit(base)._replace(path=base_path + parts.path, query=parts.query)
        return urllib.parse.urlunsplit(rooted)

    return _file_url


def _get_mcp_url(original: Callable[..., str]) -> Callable[..., str]:
    # The SDK hard-codes https here; follow the patch's scheme instead.
    @functools.wraps(original)
    def get_mcp_url(self: Any) -> str:
        if not _active(self.connection_config):
            return original(self)
        return f"{_scheme(_https())}://{self.get_host(self.mcp_port)}/mcp"

    return get_mcp_url


def _jupyter_url(original: property) -> property:
    # Older code-interpreter SDKs build https://<get_host(49999)> by hand; newer
    # ones ask get_sandbox_url. Either way answer with the private URL.
    def _jupyter_url(self: Any) -> str:
        config = self.connection_config
        if not _active(config):
            return str(original.fget(self))  # type: ignore[misc]
        return str(config.get_sandbox_url(self.sandbox_id, self.sandbox_domain, port=JUPYTER_PORT))

    return property(_jupyter_url, doc=original.__doc__)


def _no_key_validation(original: Callable[[str], None]) -> Callable[[str], None]:
    @functools.wraps(original)
    def validate_api_key(api_key: str) -> None:
        if _state is not None and not _state.validate_key:
            return None
        return original(api_key)

    return validate_api_key


# --- public entry points -----------------------------------------------------------------------


def _install(state: _State) -> None:
    from e2b import ConnectionConfig
    from e2b.sandbox.main import SandboxBase

    _replace(state, ConnectionConfig, "__init__", _connection_config_init)
    _replace(state, ConnectionConfig, "get_host", _get_host)
    _replace(state, ConnectionConfig, "get_sandbox_url", _get_sandbox_url)
    if "get_sandbox_direct_url" in ConnectionConfig.__dict__:  # e2b >= 2.25.1
        _replace(state, ConnectionConfig, "get_sandbox_direct_url", _get_sandbox_url)
    if "_file_url" in SandboxBase.__dict__:
        _replace(state, SandboxBase, "_file_url", _file_url)
    if "get_mcp_url" in SandboxBase.__dict__:
        _replace(state, SandboxBase, "get_mcp_url", _get_mcp_url)

    if not state.validate_key:
        import e2b.api

        if "validate_api_key" in vars(e2b.api):  # e2b 2.25 .. 2.45 check the key's shape
            _replace(state, e2b.api, "validate_api_key", _no_key_validation)

    try:
        import e2b_code_interpreter  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return
    for exported in ("Sandbox", "AsyncSandbox"):
        cls = getattr(e2b_code_interpreter, exported, None)
        owner = next(
            (c for c in getattr(cls, "__mro__", ()) if isinstance(c.__dict__.get("_jupyter_url"), property)),
            None,
        )
        if owner is not None:
            _replace(state, owner, "_jupyter_url", _jupyter_url)


def patch_e2b(https: bool = True, validate_key: bool = True) -> None:
    """Rewrite the E2B SDK's URLs to OpenKruise Agents' private protocol.

    :param https: use ``https://`` (TLS-terminating ingress in front of the
        sandbox-manager) or ``http://`` (port-forward, local runs).
    :param validate_key: ``False`` disables the client-side ``e2b_<hex>`` key
        format check of e2b 2.25-2.45, for keys issued by another system.
        Keys issued by OpenKruise Agents already pass it.

    Safe to call repeatedly: a second call with the same arguments does
    nothing, with other arguments it re-applies the patch with those. The
    domain comes from ``E2B_DOMAIN`` (or the ``domain`` argument of the SDK
    call) and may include a port. An explicit ``api_url`` argument is
    respected; ``E2B_API_URL`` and ``E2B_SANDBOX_URL`` are ignored while
    patched. Debug mode (``E2B_DEBUG=true``) keeps the SDK's localhost URLs.
    """
    global _state
    with _lock:
        if _state is not None:
            if (_state.https, _state.validate_key) == (https, validate_key):
                return
            unpatch_e2b()
        state = _State(https=https, validate_key=validate_key)
        _state = state
        try:
            _install(state)
        except BaseException:
            unpatch_e2b()
            raise


def unpatch_e2b() -> None:
    """Restore the SDK's original methods (mainly for tests). No-op when not patched."""
    global _state
    with _lock:
        state, _state = _state, None
        if state is None:
            return
        for owner, name, original in reversed(state.replaced):
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
