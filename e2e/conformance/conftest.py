"""Conformance run of the real Python E2B SDKs against `bin/run-local`.

`KRUISE_MODE` picks how the SDK reaches the system: `header` (unpatched SDK with E2B_API_URL and
E2B_SANDBOX_URL, header routing) or `private` (`kruise_agents.patch_e2b(https=False)`, the
`/kruise/...` path protocol). Started by `e2e/conformance/bin/test`.
"""

import os

if os.environ.get("KRUISE_MODE") == "private":
    from kruise_agents.patch_e2b import patch_e2b

    patch_e2b(https=False)
