"""Client-side helpers for using the E2B SDK with OpenKruise Agents.

* :mod:`kruise_agents.patch_e2b` routes the SDK through the private
  ``/kruise/`` path protocol (one host, no wildcard DNS).
* :mod:`kruise_agents.csi` builds the create-metadata that asks for a
  dynamic CSI volume mount.

Import the patch as ``from kruise_agents.patch_e2b import patch_e2b`` (the
submodule keeps its name; it is not re-exported here so the two never clash).
"""

from .csi import AlibabaCloudNAS, AlibabaCloudOSS, CSIMount, with_csi_mount

__all__ = [
    "AlibabaCloudNAS",
    "AlibabaCloudOSS",
    "CSIMount",
    "with_csi_mount",
]

__version__ = "0.1.0"
