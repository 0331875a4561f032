"""CSI mount metadata: exact keys, validation, one mount per sandbox."""

from __future__ import annotations

import dataclasses

import pytest

from kruise_agents import AlibabaCloudNAS, AlibabaCloudOSS, CSIMount, with_csi_mount
from kruise_agents.csi import CSI_MOUNT_POINT_KEY, CSI_VOLUME_NAME_KEY

EXPECTED = {
    "e2b.agents.kruise.io/csi-volume-name": "my-pv",
    "e2b.agents.kruise.io/csi-mount-point": "/mnt/data",
}


@pytest.mark.parametrize("cls", [CSIMount, AlibabaCloudNAS, AlibabaCloudOSS])
def test_to_metadata_is_exactly_the_two_keys(cls: type) -> None:
    assert cls("my-pv", "/mnt/data").to_metadata() == EXPECTED
    assert cls(volume_name="my-pv", mount_point="/mnt/data").to_metadata() == EXPECTED
    assert (CSI_VOLUME_NAME_KEY, CSI_MOUNT_POINT_KEY) == tuple(EXPECTED)


@pytest.mark.parametrize("name", ["", "   ", "My-PV", "pv_1", "-pv", "pv-", "a" * 254])
def test_bad_volume_names(name: str) -> None:
    with pytest.raises(ValueError, match="volume name"):
        CSIMount(name, "/mnt/data")


@pytest.mark.parametrize(
    "point", ["", "mnt/data", "./mnt", "/mnt/../etc", "/mnt/./data", "/mnt/data/", "//mnt", "/mnt//data", "/", "/a\x00b"]
)
def test_bad_mount_points(point: str) -> None:
    with pytest.raises(ValueError, match="mount point"):
        AlibabaCloudNAS("my-pv", point)


def test_good_values() -> None:
    assert CSIMount("nas.pv-1", "/home/user/data-1").mount_point == "/home/user/data-1"


def test_frozen() -> None:
    mount = AlibabaCloudOSS("my-pv", "/mnt/data")
    with pytest.raises(dataclasses.FrozenInstanceError):
        mount.mount_point = "/x"  # type: ignore[misc]


def test_with_csi_mount_merges_without_mutating() -> None:
    user = {"team": "a"}
    merged = with_csi_mount(user, AlibabaCloudNAS("my-pv", "/mnt/data"))
    assert merged == {"team": "a", **EXPECTED}
    assert user == {"team": "a"}
    assert with_csi_mount(None, CSIMount("my-pv", "/mnt/data")) == EXPECTED


@pytest.mark.parametrize("existing", [EXPECTED, {CSI_MOUNT_POINT_KEY: "/x"}, {CSI_VOLUME_NAME_KEY: "x"}])
def test_second_mount_is_an_error(existing: dict) -> None:
    with pytest.raises(ValueError, match="one mount"):
        with_csi_mount(existing, AlibabaCloudOSS("other", "/mnt/other"))
