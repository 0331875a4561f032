"""API parity, network: E2B's egress rules (`allow_internet_access`, `network.allow_out/deny_out`,
`update_network`) become the sandbox's own NetworkPolicy, owned by its Sandbox; rules a
NetworkPolicy cannot enforce (domain names) → 400 naming the field. Cluster-side: runs once per
language. Real packets: test_sandbox_network.py (real node)."""

import json
import subprocess

import pytest
from e2b import ALL_TRAFFIC
from e2b_code_interpreter import Sandbox

from sdk_support import RUN, _wait, kubectl, sandbox_object

EGRESS_LABEL = "agents.kruise.io/egress-policy"


def _policy(sandbox_id):
    """(Sandbox, its NetworkPolicy or None) as the API server has them."""
    sbx = sandbox_object(sandbox_id)
    meta = sbx["metadata"]
    out = subprocess.run(
        ["kubectl", "get", "networkpolicy", "-n", meta["namespace"], meta["name"], "-o", "json"],
        capture_output=True, text=True, timeout=60)
    return sbx, (json.loads(out.stdout) if out.returncode == 0 else None)


def _blocks(policy):
    """The ipBlocks of every egress rule but the first (DNS), as 'cidr except a,b' strings."""
    out = []
    for rule in policy["spec"]["egress"][1:]:
        for peer in rule["to"]:
            block = peer["ipBlock"]
            out.append(block["cidr"] + (" except " + ",".join(block["except"])
                                        if block.get("except") else ""))
    return out


def _assert_owned_and_selecting(sbx, policy, sandbox_id):
    assert policy is not None, "no NetworkPolicy for the sandbox"
    owner = policy["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["uid"]) == (
        "Sandbox", sbx["metadata"]["name"], sbx["metadata"]["uid"])
    assert policy["spec"]["podSelector"] == {"matchLabels": {EGRESS_LABEL: sandbox_id}}
    assert policy["spec"]["policyTypes"] == ["Egress"]
    dns = policy["spec"]["egress"][0]
    assert sorted((p["protocol"], p["port"]) for p in dns["ports"]) == [("TCP", 53), ("UDP", 53)]
    pod = json.loads(kubectl("get", "pod", "-n", sbx["metadata"]["namespace"],
                             sbx["metadata"]["name"], "-o", "json"))
    assert pod["metadata"]["labels"].get(EGRESS_LABEL) == sandbox_id, "the pod is selected"


def _rejected(fn, *needles):
    with pytest.raises(Exception) as e:
        fn()
    for needle in needles:
        assert needle in str(e.value), f"error names {needle}: {e.value}"


@pytest.mark.cluster
def test_network_no_internet():
    s = Sandbox.create(timeout=120, allow_internet_access=False, metadata={"run": RUN})
    try:
        sbx, policy = _policy(s.sandbox_id)
        _assert_owned_and_selecting(sbx, policy, s.sandbox_id)
        assert _blocks(policy) == [], "only DNS stays open"
        assert json.loads(sbx["metadata"]["annotations"]["agents.kruise.io/network"]) == {
            "allowOut": [], "denyOut": ["0.0.0.0/0"]}
        # The managers still reach the runtime (ingress is not restricted).
        assert s.commands.run("echo still-here").stdout == "still-here\n"
    finally:
        s.kill()
    # Garbage-collected with its Sandbox.
    _wait(lambda: _policy_gone(sbx), 90, "NetworkPolicy deleted with the Sandbox")


def _policy_gone(sbx):
    meta = sbx["metadata"]
    out = subprocess.run(
        ["kubectl", "get", "networkpolicy", "-n", meta["namespace"], meta["name"]],
        capture_output=True, text=True, timeout=60)
    return out.returncode != 0 and "NotFound" in out.stderr


@pytest.mark.cluster
def test_network_rules():
    s = Sandbox.create(timeout=120, metadata={"run": RUN},
                       network={"allow_out": ["1.1.1.1", "8.8.8.8:53"],
                                "deny_out": ["8.8.8.0/24", "203.0.113.7"]})
    try:
        sbx, policy = _policy(s.sandbox_id)
        _assert_owned_and_selecting(sbx, policy, s.sandbox_id)
        blocks = _blocks(policy)
        v4 = [b for b in blocks if b.startswith("0.0.0.0/0")]
        assert len(v4) == 1 and "8.8.8.0/24" in v4[0] and "203.0.113.7/32" in v4[0], blocks
        assert "1.1.1.1/32" in blocks and "8.8.8.8/32" in blocks, blocks
        ports = [r.get("ports") for r in policy["spec"]["egress"]
                 if r["to"][0].get("ipBlock", {}).get("cidr") == "8.8.8.8/32"][0]
        assert sorted((p["protocol"], p["port"]) for p in ports) == [("TCP", 53), ("UDP", 53)]
    finally:
        s.kill()


@pytest.mark.cluster
def test_network_update():
    s = Sandbox.create(timeout=120, metadata={"run": RUN})
    try:
        sbx, policy = _policy(s.sandbox_id)
        assert policy is None, "no rules asked: no policy of its own"
        s.update_network({"allow_out": ["1.1.1.1"], "deny_out": [ALL_TRAFFIC]})
        sbx, policy = _policy(s.sandbox_id)
        _assert_owned_and_selecting(sbx, policy, s.sandbox_id)
        assert _blocks(policy) == ["1.1.1.1/32"]
        # An update replaces every rule: an empty one opens the internet again.
        s.update_network({})
        _, policy = _policy(s.sandbox_id)
        assert not any("1.1.1.1" in b for b in _blocks(policy)), _blocks(policy)
        assert any(b.startswith("0.0.0.0/0") for b in _blocks(policy)), _blocks(policy)
        # allow_internet_access=False on update is deny_out 0.0.0.0/0, as at create.
        s.update_network({"allow_internet_access": False})
        _, policy = _policy(s.sandbox_id)
        assert _blocks(policy) == []
    finally:
        s.kill()
    _rejected(lambda: Sandbox.update_network("nosuchsandbox0000000000", {}), "not found")


@pytest.mark.cluster
def test_network_domain_400():
    _rejected(lambda: Sandbox.create(timeout=60, metadata={"run": RUN},
                                     network={"allow_out": ["example.com"],
                                              "deny_out": [ALL_TRAFFIC]}),
              "network.allowOut", "example.com")
    _rejected(lambda: Sandbox.create(timeout=60, metadata={"run": RUN},
                                     network={"deny_out": ["example.com"]}),
              "network.denyOut", "example.com")
    s = Sandbox.create(timeout=60, metadata={"run": RUN})
    try:
        _rejected(lambda: s.update_network({"allow_out": ["api.example.com"],
                                            "deny_out": [ALL_TRAFFIC]}),
                  "allowOut", "api.example.com")
        _, policy = _policy(s.sandbox_id)
        assert policy is None, "a refused update writes nothing"
    finally:
        s.kill()
