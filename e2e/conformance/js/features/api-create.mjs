// API parity, create: create-on-no-stock by default and the newest original's create extensions.
// Python twin: e2e/conformance/test_api_create.py.
import { execFileSync } from 'node:child_process'
import { Sandbox, RUN, assert, eq, kubectl, sandboxObject, waitFor } from '../lib.mjs'
import { api } from './api-list.mjs'

export const scope = 'cluster'
const EXT = 'e2b.agents.kruise.io/'

async function rejected(metadata, needle) {
  try {
    const s = await Sandbox.create({ timeoutMs: 60_000, metadata })
    await s.kill()
  } catch (e) {
    assert(String(e.message).includes(needle), `error names ${needle}: ${e.message}`)
    return
  }
  throw new Error(`create with ${JSON.stringify(metadata)} succeeded`)
}

export const features = {
  async create_no_stock() {
    const base = JSON.parse(kubectl('get', 'sbs', '-n', 'default', 'code-interpreter', '-o', 'json'))
    const name = `js-nostock-${RUN}`
    const empty = {
      apiVersion: base.apiVersion,
      kind: base.kind,
      metadata: { name, namespace: 'default' },
      spec: { ...base.spec, replicas: 0 },
    }
    execFileSync('kubectl', ['apply', '-f', '-'], { input: JSON.stringify(empty), timeout: 60_000 })
    let s
    try {
      s = await Sandbox.create(name, { timeoutMs: 120_000, metadata: { run: RUN, t: 'nostock' } })
      eq((await s.getInfo()).state, 'running', 'state')
      eq((await s.commands.run('echo made')).stdout, 'made\n', 'command')
    } finally {
      await s?.kill().catch(() => {})
      kubectl('delete', 'sbs', '-n', 'default', name, '--wait=false')
    }
  },

  async ext_never_timeout() {
    const s = await Sandbox.create({ timeoutMs: 30_000, metadata: { run: RUN, [EXT + 'never-timeout']: 'true' } })
    try {
      const spec = sandboxObject(s.sandboxId).spec
      assert(!spec.shutdownTime && !spec.pauseTime, `no deadlines: ${JSON.stringify(spec)}`)
      eq((await s.getInfo()).state, 'running', 'state')
    } finally {
      await s.kill()
    }
  },

  async ext_reserve_paused() {
    const annotation = 'agents.kruise.io/reserve-paused-sandbox-duration'
    const s = await Sandbox.create({
      timeoutMs: 120_000,
      metadata: { run: RUN, [EXT + 'reserve-paused-sandbox-duration']: '2h' },
    })
    try {
      eq(sandboxObject(s.sandboxId).metadata.annotations[annotation], '2h', 'annotation from create')
      const r = await api('POST', `/sandboxes/${s.sandboxId}/pause`, {
        headers: { 'x-e2b-kruise-reserve-paused-sandbox-duration': '48h' },
      })
      eq(r.status, 204, `pause: ${r.text}`)
      const after = sandboxObject(s.sandboxId)
      eq(after.metadata.annotations[annotation], '48h', 'annotation from the pause header')
      const kept = Date.parse(after.spec.shutdownTime) - Date.now()
      assert(kept > 47 * 3600_000 && kept <= 48 * 3600_000 + 60_000, `kept ${kept} ms`)
      await waitFor(async () => (await s.getInfo()).state === 'paused', 60, 'paused')
    } finally {
      await s.kill()
    }
    await rejected({ [EXT + 'reserve-paused-sandbox-duration']: '7d' }, 'reserve-paused-sandbox-duration')
  },

  async ext_return_ip() {
    const s = await Sandbox.create({ timeoutMs: 120_000, metadata: { run: RUN, [EXT + 'return-sandbox-ip']: 'true' } })
    try {
      const ip = sandboxObject(s.sandboxId).status.sandboxIp
      assert(ip, 'pod IP')
      eq((await s.getInfo()).metadata[EXT + 'sandbox-ip'], ip, 'metadata sandbox-ip')
    } finally {
      await s.kill()
    }
  },

  async ext_labels() {
    const s = await Sandbox.create({ timeoutMs: 120_000, metadata: { run: RUN, 'label:conformance-run': RUN } })
    try {
      eq(sandboxObject(s.sandboxId).metadata.labels['conformance-run'], RUN, 'label')
      assert(!('label:conformance-run' in (await s.getInfo()).metadata), 'label key stripped from metadata')
    } finally {
      await s.kill()
    }
    for (const bad of ['label:bad key', 'label:agents.kruise.io/sandbox-claimed', EXT + 'no-such-key']) {
      await rejected({ [bad]: 'x' }, bad)
    }
  },
}
