"""Sandbox fidelity, network: E2B's egress rules enforced by real packets from inside sandboxes.

Runs in the real-node cell only (NetworkPolicy enforced by kube-router on the real node,
docs/real-node.md); the simulated node enforces no NetworkPolicy, so elsewhere it is n.a. with the
reason. Every destination is on this machine: listeners this test opens on the host end of the
node's veth (10.255.<i>.1, the address the pods route to), another sandbox's pod IP, and the
node's CoreDNS."""

import os
import socket
import threading
import time

import pytest
from e2b_code_interpreter import Sandbox

from sdk_support import RUN, kubectl, sandbox_object

PROBE = (
    "import socket,sys\n"
    "try:\n"
    "  socket.create_connection((sys.argv[1], int(sys.argv[2])), 3).close(); print('open')\n"
    "except socket.timeout: print('timeout')\n"
    "except OSError as e: print('closed', e.errno)\n"
)
RESOLVE = (
    "import socket\n"
    "try: print(socket.gethostbyname('kubernetes.default.svc.cluster.local'))\n"
    "except OSError as e: print('unresolved', e)\n"
)


def _real_node():
    if os.environ.get("KRUISE_CELL_MODE") != "real-node":
        pytest.skip("NetworkPolicy is enforced on the real node only (the simulated node does not"
                    " enforce it)")


def _pod_ip(sandbox_id):
    meta = sandbox_object(sandbox_id)["metadata"]
    return kubectl("get", "pod", "-n", meta["namespace"], meta["name"], "-o",
                   "jsonpath={.status.podIP}").strip()


def _listen(host):
    """A TCP listener on host (this machine) accepting and closing; returns its port."""
    srv = socket.socket()
    srv.bind((host, 0))
    srv.listen(16)

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
                conn.close()
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    return srv


def _dial(s, host, port):
    s.files.write("/tmp/probe.py", PROBE)
    return s.commands.run(f"python3 /tmp/probe.py {host} {port}", timeout=30).stdout.strip()


def _resolve(s):
    s.files.write("/tmp/resolve.py", RESOLVE)
    return s.commands.run("python3 /tmp/resolve.py", timeout=30).stdout.strip()


def _await(probe, done, what, seconds=120):
    """kube-router applies a policy change asynchronously: wait for its effect, boundedly."""
    deadline = time.monotonic() + seconds
    last = probe()
    while not done(last):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {last!r} after {seconds}s")
        time.sleep(1)
        last = probe()
    return last


@pytest.mark.runtime
def test_network_enforced():
    _real_node()
    made = []
    servers = []
    try:
        plain = Sandbox.create(timeout=300, metadata={"run": RUN, "t": "net-plain"})
        made.append(plain)
        plain_ip = _pod_ip(plain.sandbox_id)
        # Pods route to the host end of their node's veth: 10.244.<i>.x → 10.255.<i>.1.
        host = "10.255.%s.1" % plain_ip.split(".")[2]
        allowed, denied = _listen(host), _listen(host)
        servers += [allowed, denied]
        allowed_port, denied_port = allowed.getsockname()[1], denied.getsockname()[1]

        # Control: without rules every destination is open, so the checks below can fail.
        assert _dial(plain, host, denied_port) == "open"
        assert _dial(plain, host, allowed_port) == "open"
        assert _resolve(plain) == "10.96.0.1"

        # deny_out a CIDR: that address is unreachable, the rest (another pod) and DNS are not.
        deny = Sandbox.create(timeout=300, metadata={"run": RUN, "t": "net-deny"},
                              network={"deny_out": [host + "/32"]})
        made.append(deny)
        _await(lambda: _dial(deny, host, denied_port), lambda o: o != "open",
               "deny_out " + host)
        assert _dial(deny, host, allowed_port) != "open"
        assert _dial(deny, plain_ip, 49983) == "open"
        assert _resolve(deny) == "10.96.0.1"

        # No internet, one address:port allowed: only it and DNS.
        closed = Sandbox.create(timeout=300, metadata={"run": RUN, "t": "net-closed"},
                                allow_internet_access=False,
                                network={"allow_out": [f"{host}:{allowed_port}"]})
        made.append(closed)
        _await(lambda: _dial(closed, host, denied_port), lambda o: o != "open",
               "allow_internet_access=False")
        assert _dial(closed, host, allowed_port) == "open"
        assert _dial(closed, plain_ip, 49983) != "open"
        assert _resolve(closed) == "10.96.0.1"
        # The manager still reaches its runtime (this very command) and its ports.
        assert closed.commands.run("echo in").stdout == "in\n"

        # PUT /sandboxes/{id}/network with no rules: the address opens again.
        deny.update_network({})
        _await(lambda: _dial(deny, host, denied_port), lambda o: o == "open",
               "update_network({}) reopening " + host)
        # And closes it again.
        deny.update_network({"deny_out": [host + "/32"]})
        _await(lambda: _dial(deny, host, denied_port), lambda o: o != "open",
               "update_network deny_out " + host)
    finally:
        for s in made:
            try:
                s.kill()
            except Exception:  # noqa: BLE001 - cleanup
                pass
        for srv in servers:
            srv.close()
