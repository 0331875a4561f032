"""API parity, teams: a team is a namespace. `GET /teams`, keys scoped with `teamName` (the newest
original's `/api-keys` shapes), and a scoped key sees and claims only in its namespace.
Raw HTTP: the SDKs have no call for keys or teams. Cluster-side: runs once per language."""

import pytest
from e2b_code_interpreter import Sandbox

from sdk_support import RUN, kubectl
from test_api_list import api


def _key(name, team=None):
    body = {"name": name}
    if team is not None:
        body["teamName"] = team
    return api("POST", "/api-keys", json=body)


@pytest.mark.cluster
def test_teams_list():
    r = api("GET", "/teams")
    assert r.status_code == 200, r.text
    mine = [t for t in r.json() if t["isDefault"]]
    assert len(mine) == 1 and set(mine[0]) >= {"teamID", "name", "apiKey", "isDefault"}, r.json()
    created = _key("py-team-" + RUN, "default")
    assert created.status_code == 201, created.text
    try:
        scoped = api("GET", "/teams", key=created.json()["key"])
        assert scoped.status_code == 200, scoped.text
        assert [(t["name"], t["isDefault"]) for t in scoped.json()] == [("default", True)]
        assert scoped.json()[0]["teamID"] == created.json()["team"]["id"]
        assert "default" in [t["name"] for t in api("GET", "/teams").json()]
    finally:
        api("DELETE", "/api-keys/" + created.json()["id"])


@pytest.mark.cluster
def test_team_keys():
    for bad, why in (("Not_A_Namespace!", "not a valid namespace"),
                     ("no-such-ns-" + RUN, "does not exist")):
        r = _key("py-bad-" + RUN, bad)
        assert r.status_code == 400, r.text
        assert bad in r.json()["message"] and why in r.json()["message"], r.text
    other = "py-team-" + RUN
    kubectl("create", "namespace", other)
    keys = []
    try:
        home = _key("py-home-" + RUN, "default")
        away = _key("py-away-" + RUN, other)
        assert home.status_code == 201 and away.status_code == 201, (home.text, away.text)
        keys = [home.json(), away.json()]
        assert home.json()["team"]["name"] == "default"
        listed = {k["id"]: k for k in api("GET", "/api-keys").json()}
        assert listed[home.json()["id"]]["team"]["name"] == "default"
        assert listed[away.json()["id"]]["team"]["name"] == other
        # Templates and claims only in the key's namespace.
        names = lambda key: [t["templateID"] for t in api("GET", "/templates", key=key).json()]  # noqa: E731
        assert "code-interpreter" in names(home.json()["key"])
        assert names(away.json()["key"]) == []
        with pytest.raises(Exception) as e:
            Sandbox.create(timeout=60, api_key=away.json()["key"])
        assert "404" in str(e.value) or "not found" in str(e.value).lower(), str(e.value)
        s = Sandbox.create(timeout=60, api_key=home.json()["key"], metadata={"run": RUN})
        try:
            assert s.commands.run("echo team").stdout == "team\n"
            ns = kubectl("get", "sbx", "-A", "-l", "agents.kruise.io/sandbox-id=" + s.sandbox_id,
                         "-o", "jsonpath={.items[0].metadata.namespace}")
            assert ns == "default"
            got = api("GET", "/sandboxes/" + s.sandbox_id, key=away.json()["key"])
            assert got.status_code == 404, got.text
        finally:
            s.kill()
    finally:
        for k in keys:
            api("DELETE", "/api-keys/" + k["id"])
        kubectl("delete", "namespace", other, "--wait=false")
