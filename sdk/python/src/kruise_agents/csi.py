"""Dynamic CSI mounts requested through sandbox-create metadata.

OpenKruise Agents reads two metadata keys on ``Sandbox.create``: the name of a
PersistentVolume (backed by a CSI driver the operator allowed) and the path to
mount it at inside the sandbox. The server strips them before the remaining
metadata becomes sandbox annotations. The keys are singular, so one mount per
sandbox::

    from e2b_code_interpreter import Sandbox
    from kruise_agents.csi import AlibabaCloudNAS, with_csi_mount

    nas = AlibabaCloudNAS("my-nas-pv", "/mnt/data")
    sbx = Sandbox.create(metadata=with_csi_mount({"team": "a"}, nas))
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Dict, Mapping, Optional

__all__ = [
    "CSI_MOUNT_POINT_KEY",
    "CSI_VOLUME_NAME_KEY",
    "AlibabaCloudNAS",
    "AlibabaCloudOSS",
    "CSIMount",
    "with_csi_mount",
]

CSI_VOLUME_NAME_KEY = "e2b.agents.kruise.io/csi-volume-name"
"""Metadata key naming the PersistentVolume to mount."""

CSI_MOUNT_POINT_KEY = "e2b.agents.kruise.io/csi-mount-point"
"""Metadata key giving the absolute mount path inside the sandbox."""

# PersistentVolume names are DNS-1123 subdomains.
_PV_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@dataclass(frozen=True)
class CSIMount:
    """Mount the CSI-backed PersistentVolume ``volume_name`` at ``mount_point``.

    Validated on construction with the same rules the server applies, so a bad
    request fails before the network call: ``volume_name`` must be a valid
    PersistentVolume name, ``mount_point`` an absolute, already-normalised
    path other than ``/`` (no ``..``, ``.``, ``//`` or trailing ``/``).
    """

    volume_name: str
    mount_point: str

    def __post_init__(self) -> None:
        name, point = self.volume_name, self.mount_point
        if not isinstance(name, str) or not name.strip():
            raise ValueError("CSI volume name must be a non-empty PersistentVolume name")
        if len(name) > 253 or not _PV_NAME.match(name):
            raise ValueError(f"CSI volume name {name!r} is not a valid PersistentVolume name")
        if not isinstance(point, str) or not point.startswith("/"):
            raise ValueError(f"CSI mount point {point!r} must be an absolute path")
        # normpath keeps a leading "//", so check that separately.
        if posixpath.normpath(point) != point or point.startswith("//") or "\x00" in point:
            raise ValueError(f"CSI mount point {point!r} must be a clean path (no '..', '.', '//' or trailing '/')")
        if point == "/":
            raise ValueError("CSI mount point must not be '/'")

    def to_metadata(self) -> Dict[str, str]:
        """The two metadata entries that request this mount, and nothing else."""
        return {CSI_VOLUME_NAME_KEY: self.volume_name, CSI_MOUNT_POINT_KEY: self.mount_point}


@dataclass(frozen=True)
class AlibabaCloudNAS(CSIMount):
    """A PersistentVolume served by the Alibaba Cloud NAS CSI driver (``nasplugin.csi.alibabacloud.com``)."""


@dataclass(frozen=True)
class AlibabaCloudOSS(CSIMount):
    """A PersistentVolume served by the Alibaba Cloud OSS CSI driver (``ossplugin.csi.alibabacloud.com``)."""


def with_csi_mount(metadata: Optional[Mapping[str, str]], mount: CSIMount) -> Dict[str, str]:
    """Return a copy of ``metadata`` with ``mount``'s entries added.

    :raises ValueError: when ``metadata`` already requests a CSI mount (either
        key present), since a sandbox takes one mount through metadata.
    """
    merged = dict(metadata or {})
    clash = [key for key in (CSI_VOLUME_NAME_KEY, CSI_MOUNT_POINT_KEY) if key in merged]
    if clash:
        raise ValueError(f"metadata already requests a CSI mount ({', '.join(clash)}); only one mount per sandbox")
    merged.update(mount.to_metadata())
    return merged
