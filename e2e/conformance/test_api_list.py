"""API parity, listing: every filter and order the SDKs send, and paging with `nextToken` that
stays stable across replicas and concurrent creates. Cluster-side: runs once per language."""

import os
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from e2b import SandboxQuery, SandboxState
from e2b_code_interpreter import Sandbox

from sdk_support import E2B, RUN, _pause, _state, _wait


def api_urls():
    """Every sandbox-manager replica's API base (raw HTTP where the SDK has no call)."""
    urls = os.environ.get("KRUISE_MANAGER_URLS", "").split() or [os.environ["E2B_API_URL"]]
    return [u.rstrip("/") for u in urls]


def api(method, path, key=None, base=None, headers=None, **kw):
    return httpx.request(
        method,
        (base or api_urls()[0]) + path,
        headers={"X-API-Key": key or os.environ["E2B_API_KEY"], **(headers or {})},
        verify=os.environ.get("SSL_CERT_FILE", True),
        timeout=120,
        **kw,
    )


def _ids(query, **kw):
    paginator = Sandbox.list(query=query, **kw)
    ids = [s.sandbox_id for s in paginator.next_items()]
    while paginator.has_next:
        ids += [s.sandbox_id for s in paginator.next_items()]
    return ids


@pytest.mark.cluster
def test_list_filters():
    if E2B < (2, 45, 0):
        pytest.skip("e2b < 2.45.0 has no order/started_after/template in Sandbox.list")
    meta = {"run": RUN, "t": "list-filters"}
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    a = Sandbox.create(timeout=120, metadata=meta)
    time.sleep(1.5)  # start times have second precision: a tie would order by ID
    b = Sandbox.create(timeout=120, metadata=meta)
    try:
        assert _pause(b)
        _wait(lambda: _state(b.get_info()) == "paused", 60, "paused")
        running = _ids(SandboxQuery(metadata=meta, state=[SandboxState.RUNNING]))
        paused = _ids(SandboxQuery(metadata=meta, state=[SandboxState.PAUSED]))
        assert running == [a.sandbox_id], running
        assert paused == [b.sandbox_id], paused
        both = _ids(SandboxQuery(metadata=meta), order="asc")
        assert both == [a.sandbox_id, b.sandbox_id], both
        both = _ids(SandboxQuery(metadata=meta), order="desc")
        assert both == [b.sandbox_id, a.sandbox_id], both
        template = a.get_info().template_id
        assert set(_ids(SandboxQuery(metadata=meta, template=template))) == {
            a.sandbox_id,
            b.sandbox_id,
        }
        # The SDK's default template alias names the same SandboxSet.
        assert len(_ids(SandboxQuery(metadata=meta, template="code-interpreter-v1"))) == 2
        assert _ids(SandboxQuery(metadata=meta, template="no-such-template-" + RUN)) == []
        assert len(_ids(SandboxQuery(metadata=meta, started_after=before))) == 2
        later = datetime.now(timezone.utc) + timedelta(minutes=5)
        assert _ids(SandboxQuery(metadata=meta, started_after=later)) == []
    finally:
        a.kill()
        b.kill()


@pytest.mark.cluster
def test_list_paging():
    meta = {"run": RUN, "t": "list-paging"}
    made = [Sandbox.create(timeout=180, metadata=meta) for _ in range(4)]
    extra = []
    try:
        seen = []
        token = None
        urls = api_urls()
        page_no = 0
        encoded = "&".join(f"{k}={v}" for k, v in meta.items())
        while True:
            # Each page from another replica, and a create between pages: neither may repeat or
            # skip an item.
            params = {"metadata": encoded, "state": "running", "limit": "2"}
            if token:
                params["nextToken"] = token
            r = api("GET", "/v2/sandboxes", base=urls[page_no % len(urls)], params=params)
            assert r.status_code == 200, r.text
            seen += [s["sandboxID"] for s in r.json()]
            token = r.headers.get("x-next-token")
            page_no += 1
            if page_no == 1:
                extra.append(Sandbox.create(timeout=180, metadata=meta))
            if not token:
                break
            assert page_no < 10
        assert len(seen) == len(set(seen)), seen
        assert set(seen) >= {s.sandbox_id for s in made}, (seen, [s.sandbox_id for s in made])
        # The SDK's own paginator, running sandboxes only, with a page size.
        paginator = Sandbox.list(
            query=SandboxQuery(metadata=meta, state=[SandboxState.RUNNING]), limit=2
        )
        ids = list(paginator.next_items())
        assert len(ids) == 2 and paginator.has_next
        while paginator.has_next:
            ids += paginator.next_items()
        assert {s.sandbox_id for s in ids} == {s.sandbox_id for s in made + extra}
        assert api("GET", "/v2/sandboxes", params={"nextToken": "garbage!"}).status_code == 400
    finally:
        for s in made + extra:
            s.kill()
