// Sandbox fidelity, filesystem area: what `files.*` and `files.watchDir` return, compared with E2B's
// envd (issue 17). Twins of e2e/conformance/test_sandbox_files.py, same feature ids.
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { e2b, requireSdk, Sandbox, RUN, assert, eq, sleep, AssertionError, featureLimits } from '../lib.mjs'

const HOME = '/home/user'
const { FileType, FilesystemEventType: T } = e2b

// What this SDK copy can send: older releases silently drop options they do not know.
const sdkSource = readFileSync(requireSdk.resolve('e2b'), 'utf8')
const lacks = (marker, what) => () => (sdkSource.includes(marker) ? null : `this SDK has no ${what}`)
Object.assign(featureLimits, {
  fs_metadata: lacks('X-Metadata-', 'file metadata (files.write(..., { metadata }))'),
  watch_entry_info: lacks('includeEntry', 'includeEntry for watchDir'),
  watch_network_mounts: lacks('allowNetworkMounts', 'allowNetworkMounts for watchDir'),
})

let sbx
const sandbox = async () =>
  (sbx ??= await Sandbox.create({ timeoutMs: 300_000, metadata: { suite: 'conformance', run: RUN, t: 'files' } }))
const suffix = () => randomBytes(3).toString('hex')

async function freshDir(s, name) {
  const path = `${HOME}/${name}-${suffix()}`
  await s.files.makeDir(path)
  return path
}

async function rejects(promise, pattern, what) {
  try {
    await promise
  } catch (e) {
    assert(pattern.test(String(e.message)), `${what}: unexpected error ${e.message}`)
    return
  }
  throw new AssertionError(`${what}: no error`)
}

// Watches `dir` while `act` runs and until `want(events)` holds.
async function watched(s, dir, opts, act, want, seconds = 20) {
  const events = []
  const handle = await s.files.watchDir(dir, (e) => events.push(e), { timeoutMs: 0, ...opts })
  try {
    await act()
    const deadline = Date.now() + seconds * 1000
    while (!want(events)) {
      if (Date.now() > deadline) {
        throw new AssertionError(`events not within ${seconds}s: ${JSON.stringify(events.map((e) => [e.name, e.type]))}`)
      }
      await sleep(250)
    }
    return events
  } finally {
    await handle.stop()
  }
}
const has = (events, name, type) => events.some((e) => e.name === name && e.type === type)

export const features = {
  async fs_entry_fields() {
    const s = await sandbox()
    const d = await freshDir(s, 'entries')
    await s.files.write(`${d}/f.txt`, 'hello')
    // A relative link: in the simulated node commands see host paths, the files API sandbox paths.
    await s.commands.run('chmod 640 f.txt && ln -s f.txt link', { cwd: d })
    const info = await s.files.getInfo(d)
    eq([info.type, info.mode, info.permissions], [FileType.DIR, 0o755, 'drwxr-xr-x'], 'directory entry')
    const f = await s.files.getInfo(`${d}/f.txt`)
    eq([f.type, f.size, f.mode, f.permissions], [FileType.FILE, 5, 0o640, '-rw-r-----'], 'file entry')
    eq([f.owner, f.group], ['user', 'user'], 'owner/group')
    eq(f.symlinkTarget, undefined, 'symlink target of a plain file')
    assert(Math.abs(f.modifiedTime.getTime() - Date.now()) < 3600_000, `modifiedTime ${f.modifiedTime}`)
    const link = (await s.files.list(d)).find((e) => e.name === 'link')
    eq([link.symlinkTarget, link.type], [`${d}/f.txt`, FileType.FILE], 'symlink target and type')
    assert(link.permissions.startsWith('L'), `symlink permissions ${link.permissions}`)
  },

  async fs_sandbox_paths() {
    const s = await sandbox()
    const name = `rel-${suffix()}`
    const w = await s.files.write(`${name}/a.txt`, 'a')
    eq(w.path, `${HOME}/${name}/a.txt`, 'write path of a relative path')
    eq((await s.files.getInfo(`${name}/a.txt`)).path, `${HOME}/${name}/a.txt`, 'getInfo path')
    eq((await s.files.list(name)).map((e) => e.path), [`${HOME}/${name}/a.txt`], 'list paths')
    assert((await s.files.list(HOME)).some((e) => e.path === `${HOME}/${name}`), 'home listing paths')
    eq((await s.files.rename(`${name}/a.txt`, `${name}/b.txt`)).path, `${HOME}/${name}/b.txt`, 'rename path')
    eq(await s.files.read(`${HOME}/${name}/b.txt`), 'a', 'read back')
    // What a command sees as its home names the same directory in the files API.
    const home = (await s.commands.run('echo $HOME')).stdout.trim()
    eq((await s.files.write(`${home}/${name}/c.txt`, 'c')).path, `${HOME}/${name}/c.txt`, 'write under $HOME')
    eq((await s.files.getInfo(`${home}/${name}`)).path, `${HOME}/${name}`, 'getInfo under $HOME')
    eq(
      (await s.files.list(`${home}/${name}`)).map((e) => e.path).sort(),
      [`${HOME}/${name}/b.txt`, `${HOME}/${name}/c.txt`],
      'list under $HOME',
    )
  },

  async fs_remove_missing() {
    const s = await sandbox()
    const missing = `${HOME}/never-${suffix()}`
    await s.files.remove(missing)
    await s.files.remove(`${missing}/deeper/still`)
    const d = await freshDir(s, 'rm')
    await s.files.write(`${d}/x/y.txt`, 'y')
    await s.files.remove(d)
    eq(await s.files.exists(d), false, 'removed tree exists')
  },

  async fs_dir_rename_exists() {
    const s = await sandbox()
    const d = await freshDir(s, 'edge')
    eq(await s.files.makeDir(`${d}/a/b/c`), true, 'makeDir with parents')
    eq(await s.files.makeDir(`${d}/a/b/c`), false, 'makeDir of an existing directory')
    await s.files.write(`${d}/file`, 'x')
    await rejects(s.files.makeDir(`${d}/file`), /not a directory|exists/i, 'makeDir over a file')
    eq([await s.files.exists(`${d}/a/b`), await s.files.exists(`${d}/file`)], [true, true], 'exists')
    eq(await s.files.exists(`${d}/nope`), false, 'exists of a missing path')
    const moved = await s.files.rename(`${d}/file`, `${d}/new/parent/file`)
    eq([moved.path, moved.type], [`${d}/new/parent/file`, FileType.FILE], 'rename into new parents')
    await rejects(s.files.rename(`${d}/nope`, `${d}/other`), /not found/i, 'rename of a missing path')
  },

  async fs_metadata() {
    const s = await sandbox()
    const d = await freshDir(s, 'meta')
    const meta = { owner: 'alice', stage: 'raw' }
    const w = await s.files.write(`${d}/m.txt`, '1', { metadata: { Owner: 'alice', stage: 'raw' } })
    eq(w.metadata, meta, 'write response metadata (keys lowercased)')
    eq((await s.files.getInfo(`${d}/m.txt`)).metadata, meta, 'getInfo metadata')
    eq((await s.files.list(d)).find((e) => e.name === 'm.txt').metadata, meta, 'list metadata')
    eq((await s.files.rename(`${d}/m.txt`, `${d}/n.txt`)).metadata, meta, 'metadata after rename')
    await s.files.write(`${d}/n.txt`, '2')
    eq((await s.files.getInfo(`${d}/n.txt`)).metadata, undefined, 'metadata after an overwrite')
    await s.files.write(`${d}/n.txt`, '3', { metadata: { v: '3' } })
    eq((await s.files.getInfo(`${d}/n.txt`)).metadata, { v: '3' }, 'metadata replaced')
    const multi = await s.files.write(
      [
        { path: `${d}/p.txt`, data: 'p' },
        { path: `${d}/q.txt`, data: 'q' },
      ],
      { metadata: { batch: '7' } },
    )
    eq(multi.map((m) => m.metadata), [{ batch: '7' }, { batch: '7' }], 'multi-file write metadata')
    for (const n of ['p.txt', 'q.txt']) eq((await s.files.getInfo(`${d}/${n}`)).metadata, { batch: '7' }, n)
  },

  async fs_proc() {
    const s = await sandbox()
    const bootId = (await s.files.read('/proc/sys/kernel/random/boot_id')).trim()
    assert(/^[0-9a-f-]{36}$/.test(bootId), `boot_id ${JSON.stringify(bootId)}`)
    assert((await s.files.read('/proc/meminfo')).includes('MemTotal'), '/proc/meminfo')
    eq(await s.files.exists('/proc/self'), true, '/proc/self exists')
  },

  async fs_python_on_path() {
    const s = await sandbox()
    const r = await s.commands.run(`python -c 'import sys; print(sys.version_info[0])'`)
    eq(r.stdout.trim(), '3', 'python on PATH')
  },

  async watch_upload_write() {
    const s = await sandbox()
    const d = await freshDir(s, 'wup')
    const events = await watched(
      s,
      d,
      {},
      async () => {
        await s.files.write(`${d}/up.txt`, 'one')
        await s.files.write(`${d}/up.txt`, 'two')
      },
      (ev) => ev.filter((e) => e.name === 'up.txt' && e.type === T.WRITE).length >= 2,
    )
    assert(
      events.every((e) => e.name === 'up.txt'),
      `events of other names: ${JSON.stringify(events.map((e) => [e.name, e.type]))}`,
    )
  },

  async watch_event_types() {
    const s = await sandbox()
    const d = await freshDir(s, 'wtypes')
    await s.files.write(`${d}/old.txt`, 'x')
    const events = []
    const handle = await s.files.watchDir(d, (e) => events.push(e), { timeoutMs: 0 })
    // One step at a time, each awaited, as a user's code would observe them.
    const step = async (action, want, seconds = 20) => {
      await action()
      const deadline = Date.now() + seconds * 1000
      while (!want.every(([n, t]) => has(events, n, t))) {
        if (Date.now() > deadline) {
          throw new AssertionError(`events not within ${seconds}s: ${JSON.stringify(events.map((e) => [e.name, e.type]))}`)
        }
        await sleep(250)
      }
    }
    try {
      await step(() => s.files.write(`${d}/new.txt`, 'n'), [['new.txt', T.CREATE], ['new.txt', T.WRITE]])
      await step(() => s.commands.run('chmod 600 new.txt', { cwd: d }), [['new.txt', T.CHMOD]])
      await step(() => s.files.rename(`${d}/old.txt`, `${d}/renamed.txt`), [['old.txt', T.RENAME], ['renamed.txt', T.CREATE]])
      await step(() => s.files.remove(`${d}/new.txt`), [['new.txt', T.REMOVE]])
    } finally {
      await handle.stop()
    }
  },

  async watch_entry_info() {
    const s = await sandbox()
    const d = await freshDir(s, 'wentry')
    const events = await watched(
      s,
      d,
      { includeEntry: true },
      () => s.files.write(`${d}/e.txt`, 'entry'),
      (ev) => ev.some((e) => e.name === 'e.txt' && e.entry),
    )
    const entry = events.find((e) => e.name === 'e.txt' && e.entry).entry
    eq([entry.path, entry.type], [`${d}/e.txt`, FileType.FILE], 'event entry')
  },

  async watch_recursive_new_dir() {
    const s = await sandbox()
    const d = await freshDir(s, 'wrec')
    await watched(
      s,
      d,
      { recursive: true },
      async () => {
        await s.files.makeDir(`${d}/sub`)
        await s.files.write(`${d}/sub/deep.txt`, 'd')
      },
      (ev) => has(ev, 'sub', T.CREATE) && has(ev, 'sub/deep.txt', T.WRITE),
    )
  },

  async watch_network_mounts() {
    const s = await sandbox()
    const d = await freshDir(s, 'wnet')
    await watched(
      s,
      d,
      { allowNetworkMounts: true },
      () => s.files.write(`${d}/n.txt`, 'n'),
      (ev) => has(ev, 'n.txt', T.WRITE),
    )
  },

  async watch_relative_path() {
    const s = await sandbox()
    const name = `wrel-${suffix()}`
    await s.files.makeDir(name)
    await watched(
      s,
      name,
      {},
      () => s.files.write(`${HOME}/${name}/r.txt`, 'r'),
      (ev) => has(ev, 'r.txt', T.WRITE),
    )
  },
}

export async function cleanup() {
  if (sbx) await sbx.kill()
}
