"""The seed examples through an Ingress, run by IngressHttpsOnLocalClusterTest with the real SDK.

`KRUISE_MODE` is `private` (patch_e2b(https=True): one host, `/kruise/...` paths) or `native`
(unpatched SDK: `api.<domain>` and `<port>-<sandbox>.<domain>`). The conformance conftest does the
rest, as for bin/run-local: it trusts the local CA in SSL_CERT_FILE (httpx and pyqwest), resolves
`<domain>` (native: `*.<domain>` too) to 127.0.0.1 in this process only, standing in for DNS, and
applies patch_e2b in private mode. Prints one line per step for the test to check.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "conformance"))
import conftest  # noqa: E402,F401  (resolver override, local CA, patch_e2b in private mode)
from e2b_code_interpreter import Sandbox  # noqa: E402

sbx = Sandbox.create(timeout=300, metadata={"suite": "ingress", "mode": conftest.MODE})
print("SANDBOX", sbx.sandbox_id, flush=True)
print("HOST", sbx.get_host(49983), flush=True)
print("WHOAMI", sbx.commands.run("whoami").stdout.strip(), flush=True)
print("CMD", sbx.commands.run("echo hello-from-$((40 + 2))").stdout.strip(), flush=True)
sbx.files.write("/home/user/ingress.txt", "through-the-ingress")
print("FILE", sbx.files.read("/home/user/ingress.txt"), flush=True)
print("LISTED", "ingress.txt" in {e.name for e in sbx.files.list("/home/user")}, flush=True)
print("CODE", sbx.run_code("x = 6 * 7\nx").text, flush=True)
print("RUNNING", sbx.is_running(), flush=True)
print("KILLED", sbx.kill(), flush=True)
try:
    Sandbox.get_info(sbx.sandbox_id)
    print("GONE False", flush=True)
except Exception as e:  # noqa: BLE001 - NotFoundException moved between SDK versions
    print("GONE", "not found" in str(e).lower() or type(e).__name__.startswith("NotFound"), flush=True)
