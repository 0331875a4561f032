// Conformance run of the real npm E2B SDKs (`e2b`, `@e2b/code-interpreter`) against bin/run-local:
// the JS twin of test_python_sdk.py, feature for feature. Started by e2e/conformance/bin/test.
//
// Environment: KRUISE_JS_SDK_DIR (a directory whose node_modules hold the SDK pair under test),
// KRUISE_MODE (native | private | header), KRUISE_HTTPS=1 (private mode over TLS),
// KRUISE_CLUSTER=1 (also the cluster-side features), KRUISE_RESULTS (JSON lines, one per feature),
// KRUISE_RUNTIME=1 (also the sandbox-fidelity features of features/*.mjs), KRUISE_RUNTIME_ONLY=1 (only
// those: the real-node cell), KRUISE_CELL_MODE (the mode recorded, default KRUISE_MODE),
// KRUISE_FLAVOUR (oldest | newest, recorded), KRUISE_ONLY (comma list of features, for debugging).
// Each features/*.mjs module exports `features` (name -> async function) and `cleanup()`; it imports
// what it needs from lib.mjs.
// Run with `--import ./resolve-local.mjs` (the wildcard DNS stand-in). Exit code 1 if any feature failed.

import { execFileSync } from 'node:child_process'
import { appendFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  here,
  sdkDir,
  requireSdk,
  e2b,
  ci,
  version,
  E2B,
  CI,
  atLeast,
  MODE,
  RUN,
  IMAGE_KEY,
  cell,
  limitation,
  HEALTH_UNROUTED,
  alive,
  AssertionError,
  assert,
  eq,
  sleep,
  waitFor,
  kubectl,
  sandboxObjects,
  listed,
  gone,
  pause,
  Sandbox,
} from './lib.mjs'

// --- features; `shared` is one sandbox for run_code / files / commands_stream ---
let shared
const sharedSandbox = async () =>
  (shared ??= await Sandbox.create({ timeoutMs: 300_000, metadata: { suite: 'conformance', run: RUN } }))

let pausedState
async function pausedAndConnected() {
  if (!pausedState) {
    pausedState = (async () => {
      const s = await Sandbox.create({ timeoutMs: 300_000, metadata: { run: RUN, t: 'pause' } })
      if (!limitation('pause_drops_memory')) {
        await s.runCode('a = 1')
        eq((await s.runCode('a')).text, '1', 'state before pause')
      }
      await pause(s)
      const state = (await s.getInfo()).state
      const again = await Sandbox.connect(s.sandboxId, { timeoutMs: 300_000 })
      return { s, state, again }
    })()
  }
  return pausedState
}

const core = {
  async create_kill() {
    const s = await Sandbox.create({ timeoutMs: 120_000, metadata: { run: RUN, t: 'kill' } })
    try {
      assert(await alive(s), 'isRunning after create')
      const info = await s.getInfo()
      eq(info.sandboxId, s.sandboxId, 'getInfo id')
      eq(info.state, 'running', 'state')
      assert((await listed({ run: RUN, t: 'kill' })).includes(s.sandboxId), 'listed after create')
      await s.setTimeout(60_000) // may shorten, as in E2B
      assert(new Date((await s.getInfo()).endAt) < new Date(info.endAt), 'setTimeout shortened endAt')
    } finally {
      assert((await s.kill()) !== false, 'kill() reported not found') // e2b < 2.9: void
    }
    assert(!(await listed({ run: RUN, t: 'kill' })).includes(s.sandboxId), 'killed sandbox still listed')
    assert(await gone(s.sandboxId), 'getInfo after kill should be not found')
    if (!HEALTH_UNROUTED) await waitFor(async () => !(await s.isRunning()), 15, 'killed sandbox stops answering')
  },
  async run_code() {
    const s = await sharedSandbox()
    eq((await s.runCode('6 * 7')).text, '42', 'runCode text')
    await s.runCode('a = 41')
    eq((await s.runCode('print(a + 1)')).logs.stdout, ['42\n'], 'state across cells')
    const err = (await s.runCode('1 / 0')).error
    eq(err && err.name, 'ZeroDivisionError', 'error name')
  },
  async files() {
    const s = await sharedSandbox()
    await s.files.write('/home/user/conformance.txt', 'hello conformance')
    eq(await s.files.read('/home/user/conformance.txt'), 'hello conformance', 'text round trip')
    const blob = new Uint8Array(256 * 64).map((_, i) => i % 256)
    await s.files.write('/home/user/blob.bin', blob.buffer)
    const back = await s.files.read('/home/user/blob.bin', { format: 'bytes' })
    assert(Buffer.from(back).equals(Buffer.from(blob)), 'binary round trip differs')
    const names = (await s.files.list('/home/user')).map((e) => e.name)
    assert(names.includes('conformance.txt') && names.includes('blob.bin'), `listing: ${names}`)
  },
  async commands_stream() {
    const s = await sharedSandbox()
    const events = []
    const r = await s.commands.run('echo one; sleep 0.3; echo two 1>&2; sleep 0.3; echo three', {
      onStdout: (d) => events.push(['out', String(d)]),
      onStderr: (d) => events.push(['err', String(d)]),
    })
    eq(r.exitCode, 0, 'exit code')
    eq(r.stdout, 'one\nthree\n', 'stdout')
    eq(r.stderr, 'two\n', 'stderr')
    const lines = events.flatMap(([k, t]) => t.split('\n').filter(Boolean).map((l) => [k, l]))
    eq(lines, [['out', 'one'], ['err', 'two'], ['out', 'three']], 'streamed lines in order')
  },
  async pause_connect() {
    const { s, state, again } = await pausedAndConnected()
    eq(state, 'paused', 'state after pause')
    eq(again.sandboxId, s.sandboxId, 'connected id')
    eq((await Sandbox.getInfo(s.sandboxId)).state, 'running', 'state after connect')
    assert(await alive(again), 'isRunning after connect')
    eq((await again.commands.run('echo back')).stdout, 'back\n', 'command after connect')
  },
  async pause_drops_memory() {
    const { again } = await pausedAndConnected()
    const execution = await again.runCode('print(a)')
    eq(execution.error && execution.error.name, 'NameError', 'interpreter state after resume')
  },
  async metadata_list() {
    const a = await Sandbox.create({ timeoutMs: 120_000, metadata: { run: RUN, t: 'list', which: 'a' } })
    const b = await Sandbox.create({ timeoutMs: 120_000, metadata: { run: RUN, t: 'list', which: 'b' } })
    try {
      eq((await a.getInfo()).metadata, { run: RUN, t: 'list', which: 'a' }, 'metadata')
      eq(await listed({ run: RUN, t: 'list', which: 'a' }), [a.sandboxId], 'filtered list')
      eq((await listed({ run: RUN, t: 'list' })).sort(), [a.sandboxId, b.sandboxId].sort(), 'both')
      eq(await listed({ run: RUN, t: 'none' }), [], 'no match')
    } finally {
      await a.kill()
      await b.kill()
    }
  },
}

const cluster = {
  async timeout() {
    const s = await Sandbox.create({ timeoutMs: 3_000, metadata: { run: RUN, t: 'timeout' } })
    assert(await alive(s), 'running before the timeout')
    await waitFor(() => gone(s.sandboxId), 30, 'sandbox deleted after its timeout')
    assert(!(await listed({ run: RUN, t: 'timeout' })).includes(s.sandboxId), 'still listed')
  },
  async auto_pause() {
    const metadata = { run: RUN, t: 'autopause' }
    const s = atLeast(E2B, [2, 14, 0])
      ? await Sandbox.create({ timeoutMs: 3_000, metadata, lifecycle: { onTimeout: 'pause' } })
      : await Sandbox.betaCreate({ timeoutMs: 3_000, metadata, autoPause: true })
    try {
      await waitFor(async () => (await s.getInfo()).state === 'paused', 30, 'auto-paused after its timeout')
      eq(await listed(metadata, ['paused']), [s.sandboxId], 'listed as paused')
      const again = await Sandbox.connect(s.sandboxId, { timeoutMs: 60_000 })
      eq((await again.commands.run('echo resumed')).stdout, 'resumed\n', 'command after resume')
    } finally {
      await s.kill()
    }
  },
  async image_inplace() {
    const warm = JSON.parse(
      kubectl('get', 'sbx', '-n', 'default', '-l', 'agents.kruise.io/sandbox-claimed=false', '-o', 'json'),
    ).items.map((w) => w.metadata.name)
    const pods = JSON.parse(kubectl('get', 'pods', '-n', 'default', '-o', 'json')).items
    const warmUids = new Set(pods.filter((p) => warm.includes(p.metadata.name)).map((p) => p.metadata.uid))
    const image = `e2bdev/code-interpreter:conformance-js-${RUN}`
    const s = await Sandbox.create({ timeoutMs: 120_000, metadata: { run: RUN, [IMAGE_KEY]: image } })
    try {
      // The E2B ID is a random label value (agents.kruise.io/sandbox-id), not a name.
      const found = sandboxObjects(s.sandboxId)
      eq(found.length, 1, 'one Sandbox carries the ID label')
      const { namespace: ns, name } = found[0].metadata
      const pod = JSON.parse(kubectl('get', 'pod', '-n', ns, name, '-o', 'json'))
      eq(pod.spec.containers[0].image, image, 'pod spec image')
      const status = pod.status.containerStatuses[0]
      eq(status.image, image, 'running image')
      assert(status.restartCount >= 1, 'container restarted in place')
      assert(warmUids.has(pod.metadata.uid), 'pod was replaced, not updated in place')
      const md = (await s.getInfo()).metadata
      assert(!(IMAGE_KEY in md), `extension key leaked into metadata: ${JSON.stringify(md)}`)
      eq(md.run, RUN, 'user metadata kept')
      eq((await s.commands.run('echo still-here')).stdout, 'still-here\n', 'command after update')
    } finally {
      await s.kill()
    }
  },
  async csi_shared_volume() {
    const metadata = {
      run: RUN,
      'e2b.agents.kruise.io/csi-volume-name': process.env.KRUISE_CSI_VOLUME || 'conformance-shared',
      'e2b.agents.kruise.io/csi-mount-point': '/mnt/shared',
    }
    const a = await Sandbox.create({ timeoutMs: 120_000, metadata })
    let b
    try {
      await a.files.write(`/mnt/shared/js-${RUN}.txt`, `from ${a.sandboxId}`)
      b = await Sandbox.create({ timeoutMs: 120_000, metadata })
      assert(b.sandboxId !== a.sandboxId, 'two sandboxes')
      eq(await b.files.read(`/mnt/shared/js-${RUN}.txt`), `from ${a.sandboxId}`, 'file seen by the second')
      assert(!JSON.stringify((await b.getInfo()).metadata).includes('csi-'), 'CSI keys leaked into metadata')
    } finally {
      await a.kill()
      if (b) await b.kill()
    }
  },
  async sandboxclaim_batch() {
    const name = `conformance-js-${RUN}`
    const claim = {
      apiVersion: 'agents.kruise.io/v1alpha1',
      kind: 'SandboxClaim',
      metadata: { name, namespace: 'default' },
      spec: { templateName: 'code-interpreter', replicas: 10, createOnNoStock: true },
    }
    execFileSync('kubectl', ['apply', '-f', '-'], { input: JSON.stringify(claim), stdio: ['pipe', 'pipe', 'pipe'] })
    try {
      const row = () => kubectl('get', 'sbc', '-n', 'default', name, '--no-headers').split(/\s+/)
      await waitFor(() => row()[1] === 'Completed', 60, 'SandboxClaim Completed')
      const table = kubectl('get', 'sbc', '-n', 'default', name).trim().split('\n')
      eq(table[0].split(/\s+/), ['NAME', 'PHASE', 'TEMPLATE', 'DESIRED', 'CLAIMED', 'AGE'], 'sbc columns')
      eq(table[1].split(/\s+/).slice(0, 5), [name, 'Completed', 'code-interpreter', '10', '10'], 'sbc row')
      const sbx = kubectl('get', 'sbx', '-n', 'default', '-l', `agents.kruise.io/claim-name=${name}`)
        .trim()
        .split('\n')
      eq(sbx[0].split(/\s+/), ['NAME', 'STATUS', 'AGE', 'SHUTDOWN_TIME', 'PAUSE_TIME', 'MESSAGE'], 'sbx columns')
      eq(sbx.length, 11, 'claimed sandboxes')
      assert(sbx.slice(1).every((l) => l.split(/\s+/)[1] === 'Running'), 'all Running')
    } finally {
      kubectl('delete', 'sbc', '-n', 'default', name, '--wait=false')
      kubectl('delete', 'sbx', '-n', 'default', '-l', `agents.kruise.io/claim-name=${name}`, '--wait=false')
    }
  },
}

function record(feature, result, reason = '') {
  const line = JSON.stringify({ ...cell, feature, result, reason })
  if (process.env.KRUISE_RESULTS) appendFileSync(process.env.KRUISE_RESULTS, line + '\n')
}

// Feature modules, one per area (features/*.mjs): `scope` 'runtime' (sandbox fidelity: private-mode
// and real-node cells) or 'cluster' (once per language, with the cluster-side features).
const wanted = (m) =>
  (m.scope ?? 'runtime') === 'runtime'
    ? process.env.KRUISE_RUNTIME === '1' || process.env.KRUISE_RUNTIME_ONLY === '1'
    : process.env.KRUISE_CLUSTER === '1' && process.env.KRUISE_RUNTIME_ONLY !== '1'
const runtimeModules = []
const dir = path.join(here, 'features')
for (const file of readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort()) {
  const m = await import(pathToFileURL(path.join(dir, file)).href)
  if (wanted(m)) runtimeModules.push(m)
}
const runtime = Object.assign({}, ...runtimeModules.map((m) => m.features))
const features =
  process.env.KRUISE_RUNTIME_ONLY === '1'
    ? runtime
    : { ...core, ...(process.env.KRUISE_CLUSTER === '1' ? cluster : {}), ...runtime }
const only = process.env.KRUISE_ONLY ? process.env.KRUISE_ONLY.split(',') : null
let failed = 0
console.log(`== js ${cell.version}, ${MODE}`)
for (const [feature, run] of Object.entries(features)) {
  if (only && !only.includes(feature)) continue
  const reason = limitation(feature)
  if (reason) {
    record(feature, 'n.a.', reason)
    console.log(`  n.a.  ${feature}: ${reason}`)
    continue
  }
  const start = Date.now()
  try {
    await run()
    record(feature, 'pass')
    console.log(`  pass  ${feature} (${Date.now() - start} ms)`)
  } catch (e) {
    failed++
    const message = String((e && e.message) || e).split('\n')[0].slice(0, 200)
    record(feature, 'fail', message)
    console.log(`  FAIL  ${feature}: ${message}`)
    if (!(e instanceof AssertionError)) console.log(e)
  }
}
for (const m of runtimeModules) await m.cleanup?.().catch(() => {})
for (const s of [shared, (await pausedState?.catch(() => null))?.again]) {
  if (s) await s.kill().catch(() => {})
}
process.exit(failed ? 1 : 0)
