"""Sandbox fidelity, filesystem area: what `files.*` and `files.watch_dir` return, compared with
E2B's envd (issue 17). Every test is one row of the compatibility table (scope `runtime`)."""

import contextlib
import inspect
import re
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from e2b import FilesystemEventType, FileType

from sdk_support import module_sandbox

HOME = "/home/user"


sbx = module_sandbox("files")


def _dir(sbx, name):
    """A fresh directory under the home, by its sandbox path."""
    path = f"{HOME}/{name}-{uuid.uuid4().hex[:6]}"
    sbx.files.make_dir(path)
    return path


def _sdk_has(method, param):
    return param in inspect.signature(method).parameters


@contextlib.contextmanager
def _watching(sbx, path, **options):
    """`files.watch_dir(path, **options)`, stopped afterwards; the test is skipped where this SDK
    has no such option."""
    for option in options:
        if not _sdk_has(sbx.files.watch_dir, option):
            pytest.skip(f"this SDK has no {option} for watch_dir")
    h = sbx.files.watch_dir(path, **options)
    try:
        yield h
    finally:
        h.stop()


def _events(handle, want, seconds=20):
    """Polls the watcher until `want(events)` holds; returns all events seen."""
    seen = []
    deadline = time.monotonic() + seconds
    while True:
        seen += handle.get_new_events()
        if want(seen):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"events not within {seconds}s: {[(e.name, e.type) for e in seen]}")
        time.sleep(0.3)


def _has(events, name, kind):
    return any(e.name == name and e.type == kind for e in events)


@pytest.mark.runtime
def test_fs_entry_fields(sbx):
    d = _dir(sbx, "entries")
    sbx.files.write(f"{d}/f.txt", "hello")
    # A relative link: in the simulated node commands see host paths, the files API sandbox paths.
    sbx.commands.run("chmod 640 f.txt && ln -s f.txt link", cwd=d)
    info = sbx.files.get_info(d)
    assert info.type == FileType.DIR
    assert info.mode == 0o755, f"directory mode {info.mode} (envd sends permission bits only)"
    assert info.permissions == "drwxr-xr-x", info.permissions
    f = sbx.files.get_info(f"{d}/f.txt")
    assert (f.type, f.size, f.mode, f.permissions) == (FileType.FILE, 5, 0o640, "-rw-r-----"), f
    assert (f.owner, f.group) == ("user", "user"), (f.owner, f.group)
    assert f.symlink_target is None
    mtime = f.modified_time  # older SDKs give naive UTC datetimes
    mtime = mtime if mtime.tzinfo else mtime.replace(tzinfo=timezone.utc)
    assert abs(mtime - datetime.now(timezone.utc)) < timedelta(hours=1), f.modified_time
    link = {e.name: e for e in sbx.files.list(d)}["link"]
    # envd: type and mode of the target, permissions of the link itself, target resolved.
    assert link.symlink_target == f"{d}/f.txt", link.symlink_target
    assert link.type == FileType.FILE, link.type
    assert link.permissions.startswith("L"), link.permissions


@pytest.mark.runtime
def test_fs_sandbox_paths(sbx):
    name = f"rel-{uuid.uuid4().hex[:6]}"
    w = sbx.files.write(f"{name}/a.txt", "a")  # relative: under the user's home
    assert w.path == f"{HOME}/{name}/a.txt", w.path
    assert sbx.files.get_info(f"{name}/a.txt").path == f"{HOME}/{name}/a.txt"
    assert [e.path for e in sbx.files.list(name)] == [f"{HOME}/{name}/a.txt"]
    assert any(e.path == f"{HOME}/{name}" for e in sbx.files.list(HOME))
    moved = sbx.files.rename(f"{name}/a.txt", f"{name}/b.txt")
    assert moved.path == f"{HOME}/{name}/b.txt", moved.path
    assert sbx.files.read(f"{HOME}/{name}/b.txt") == "a"
    # What a command sees as its home names the same directory in the files API.
    home = sbx.commands.run("echo $HOME").stdout.strip()
    w = sbx.files.write(f"{home}/{name}/c.txt", "c")
    assert w.path == f"{HOME}/{name}/c.txt", w.path
    assert sbx.files.get_info(f"{home}/{name}").path == f"{HOME}/{name}"
    assert {e.path for e in sbx.files.list(f"{home}/{name}")} == {
        f"{HOME}/{name}/b.txt",
        f"{HOME}/{name}/c.txt",
    }


@pytest.mark.runtime
def test_fs_remove_missing(sbx):
    missing = f"{HOME}/never-{uuid.uuid4().hex[:6]}"
    sbx.files.remove(missing)  # envd: os.RemoveAll, no error
    sbx.files.remove(f"{missing}/deeper/still")
    d = _dir(sbx, "rm")
    sbx.files.write(f"{d}/x/y.txt", "y")
    sbx.files.remove(d)
    assert not sbx.files.exists(d)


@pytest.mark.runtime
def test_fs_dir_rename_exists(sbx):
    d = _dir(sbx, "edge")
    assert sbx.files.make_dir(f"{d}/a/b/c") is True  # parents created
    assert sbx.files.make_dir(f"{d}/a/b/c") is False  # exists already: False, no error
    sbx.files.write(f"{d}/file", "x")
    with pytest.raises(Exception, match="(?i)not a directory|exists"):
        sbx.files.make_dir(f"{d}/file")
    assert sbx.files.exists(f"{d}/a/b") and sbx.files.exists(f"{d}/file")
    assert not sbx.files.exists(f"{d}/nope")
    moved = sbx.files.rename(f"{d}/file", f"{d}/new/parent/file")  # parents created
    assert moved.path == f"{d}/new/parent/file" and moved.type == FileType.FILE
    with pytest.raises(Exception, match="(?i)not found"):
        sbx.files.rename(f"{d}/nope", f"{d}/other")


@pytest.mark.runtime
def test_fs_metadata(sbx):
    if not _sdk_has(sbx.files.write, "metadata"):
        pytest.skip("this SDK has no file metadata (files.write(..., metadata=...))")
    d = _dir(sbx, "meta")
    w = sbx.files.write(f"{d}/m.txt", "1", metadata={"Owner": "alice", "stage": "raw"})
    assert w.metadata == {"owner": "alice", "stage": "raw"}, w.metadata  # keys lowercased
    assert sbx.files.get_info(f"{d}/m.txt").metadata == {"owner": "alice", "stage": "raw"}
    assert {e.name: e.metadata for e in sbx.files.list(d)}["m.txt"] == {
        "owner": "alice",
        "stage": "raw",
    }
    moved = sbx.files.rename(f"{d}/m.txt", f"{d}/n.txt")
    assert moved.metadata == {"owner": "alice", "stage": "raw"}, moved.metadata
    sbx.files.write(f"{d}/n.txt", "2")  # an overwrite without metadata clears it
    assert sbx.files.get_info(f"{d}/n.txt").metadata is None
    sbx.files.write(f"{d}/n.txt", "3", metadata={"v": "3"})
    assert sbx.files.get_info(f"{d}/n.txt").metadata == {"v": "3"}
    multi = sbx.files.write_files(
        [{"path": f"{d}/p.txt", "data": "p"}, {"path": f"{d}/q.txt", "data": "q"}],
        metadata={"batch": "7"},
    )
    assert [m.metadata for m in multi] == [{"batch": "7"}] * 2
    for n in ("p.txt", "q.txt"):
        assert sbx.files.get_info(f"{d}/{n}").metadata == {"batch": "7"}


@pytest.mark.runtime
def test_fs_proc(sbx):
    boot_id = sbx.files.read("/proc/sys/kernel/random/boot_id").strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", boot_id), boot_id
    assert "MemTotal" in sbx.files.read("/proc/meminfo")
    assert sbx.files.exists("/proc/self")


@pytest.mark.runtime
def test_fs_python_on_path(sbx):
    r = sbx.commands.run("python -c 'import sys; print(sys.version_info[0])'")
    assert r.stdout.strip() == "3", r


@pytest.mark.runtime
def test_watch_upload_write(sbx):
    d = _dir(sbx, "wup")
    with _watching(sbx, d) as h:
        sbx.files.write(f"{d}/up.txt", "one")
        sbx.files.write(f"{d}/up.txt", "two")
        seen = _events(h, lambda ev: sum(_has([e], "up.txt", FilesystemEventType.WRITE) for e in ev) >= 2)
    assert all(e.name == "up.txt" for e in seen), [(e.name, e.type) for e in seen]


@pytest.mark.runtime
def test_watch_event_types(sbx):
    d = _dir(sbx, "wtypes")
    sbx.files.write(f"{d}/old.txt", "x")
    T = FilesystemEventType
    seen = []

    with _watching(sbx, d) as h:

        def step(action, want):
            action()
            seen.extend(_events(h, lambda ev: all(_has(seen + ev, n, t) for n, t in want)))

        # One step at a time, each awaited, as a user's code would observe them.
        step(lambda: sbx.files.write(f"{d}/new.txt", "n"), [("new.txt", T.CREATE), ("new.txt", T.WRITE)])
        step(lambda: sbx.commands.run("chmod 600 new.txt", cwd=d), [("new.txt", T.CHMOD)])
        step(
            lambda: sbx.files.rename(f"{d}/old.txt", f"{d}/renamed.txt"),
            [("old.txt", T.RENAME), ("renamed.txt", T.CREATE)],
        )
        step(lambda: sbx.files.remove(f"{d}/new.txt"), [("new.txt", T.REMOVE)])


@pytest.mark.runtime
def test_watch_entry_info(sbx):
    d = _dir(sbx, "wentry")
    with _watching(sbx, d, include_entry=True) as h:
        sbx.files.write(f"{d}/e.txt", "entry")
        seen = _events(h, lambda ev: any(e.name == "e.txt" and e.entry for e in ev))
    entry = next(e.entry for e in seen if e.name == "e.txt" and e.entry)
    assert entry.path == f"{d}/e.txt" and entry.type == FileType.FILE, entry


@pytest.mark.runtime
def test_watch_recursive_new_dir(sbx):
    d = _dir(sbx, "wrec")
    with _watching(sbx, d, recursive=True) as h:
        sbx.files.make_dir(f"{d}/sub")
        sbx.files.write(f"{d}/sub/deep.txt", "d")
        _events(
            h,
            lambda ev: _has(ev, "sub", FilesystemEventType.CREATE)
            and _has(ev, "sub/deep.txt", FilesystemEventType.WRITE),
        )


@pytest.mark.runtime
def test_watch_network_mounts(sbx):
    d = _dir(sbx, "wnet")
    with _watching(sbx, d, allow_network_mounts=True) as h:
        sbx.files.write(f"{d}/n.txt", "n")
        _events(h, lambda ev: _has(ev, "n.txt", FilesystemEventType.WRITE))


@pytest.mark.runtime
def test_watch_relative_path(sbx):
    name = f"wrel-{uuid.uuid4().hex[:6]}"
    sbx.files.make_dir(name)
    with _watching(sbx, name) as h:
        sbx.files.write(f"{HOME}/{name}/r.txt", "r")
        _events(h, lambda ev: _has(ev, "r.txt", FilesystemEventType.WRITE))
