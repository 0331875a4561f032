// Sandbox fidelity, metrics (issue 17): getMetrics() and GET /sandboxes/metrics answer real CPU,
// memory and disk samples in E2B's shapes. Twins of e2e/conformance/test_sandbox_metrics.py.
import { E2B, RUN, Sandbox, assert, atLeast, e2b, eq, sleep } from '../lib.mjs'

const FIELDS = ['timestamp', 'timestampUnix', 'cpuCount', 'cpuUsedPct', 'memUsed', 'memTotal', 'memCache', 'diskUsed', 'diskTotal']
let shared
const sbx = async () =>
  (shared ??= await Sandbox.create({ timeoutMs: 300_000, metadata: { suite: 'conformance', run: RUN, t: 'metrics' } }))

async function api(path) {
  const config = new e2b.ConnectionConfig()
  const res = await fetch(config.apiUrl + path, { headers: { 'X-API-Key': config.apiKey } })
  const text = await res.text()
  let body
  try {
    body = JSON.parse(text)
  } catch {
    body = text
  }
  return { status: res.status, body }
}

async function samples(s, opts = {}, seconds = 60) {
  const deadline = Date.now() + seconds * 1000
  for (;;) {
    const got = await s.getMetrics(opts)
    if (got.length || Date.now() > deadline) return got
    await sleep(1000)
  }
}

export const features = {
  async metrics_sandbox() {
    const s = await sbx()
    const began = new Date()
    await s.commands.run('head -c 20000000 /dev/zero > metrics-fill; sync') // home: inside the sandbox everywhere
    const got = await samples(s)
    assert(got.length, 'getMetrics() stayed empty for 60s')
    for (const m of got) {
      assert(m.cpuCount >= 1, `cpuCount ${m.cpuCount}`)
      assert(m.cpuUsedPct >= 0 && m.cpuUsedPct <= 100 * m.cpuCount, `cpuUsedPct ${m.cpuUsedPct}`)
      // The simulated node counts the sandbox's processes only: an idle one may use 0.
      assert(m.memUsed >= 0 && m.memUsed <= m.memTotal && m.memTotal > 0, `mem ${m.memUsed}/${m.memTotal}`)
      // e2b < 2.9 does not map memCache.
      if (m.memCache !== undefined) assert(m.memCache >= 0 && m.memCache <= m.memTotal, `memCache ${m.memCache}`)
      assert(m.diskUsed > 0 && m.diskUsed <= m.diskTotal, `disk ${m.diskUsed}/${m.diskTotal}`)
      assert(m.timestamp instanceof Date && !isNaN(m.timestamp), `timestamp ${m.timestamp}`)
    }
    const stamps = got.map((m) => m.timestamp.getTime())
    eq(stamps, [...stamps].sort((a, b) => a - b), 'ordered by time')
    // e2b < 2.51 (at least 2.8.1) puts start/end into the path parameters: never sent.
    if (!atLeast(E2B, [2, 51, 0])) return
    const late = await samples(s, { start: began })
    const floor = Math.floor(began.getTime() / 1000) * 1000 - 1000
    assert(late.length && late.every((m) => m.timestamp.getTime() >= floor), 'samples before start')
    const longAgo = new Date('2001-01-01T00:00:00Z')
    eq(await s.getMetrics({ start: longAgo, end: new Date(longAgo.getTime() + 60_000) }), [], 'range before the sandbox')
  },
  async metrics_many() {
    const s = await sbx()
    const other = await Sandbox.create({ timeoutMs: 120_000, metadata: { suite: 'conformance', run: RUN, t: 'm2' } })
    try {
      const ids = [s.sandboxId, other.sandboxId]
      let r
      const deadline = Date.now() + 60_000
      for (;;) {
        r = await api(`/sandboxes/metrics?sandbox_ids=${ids.join(',')}`)
        eq(r.status, 200, `status (${JSON.stringify(r.body)})`)
        if (Object.keys(r.body.sandboxes).length === 2 || Date.now() > deadline) break
        await sleep(1000)
      }
      eq(Object.keys(r.body), ['sandboxes'], 'top-level keys')
      eq(Object.keys(r.body.sandboxes).sort(), [...ids].sort(), 'sandboxes')
      for (const m of Object.values(r.body.sandboxes)) {
        for (const f of FIELDS) assert(f in m, `${f} missing: ${JSON.stringify(m)}`)
        assert(m.memTotal > 0 && m.diskTotal > 0 && m.cpuCount >= 1, JSON.stringify(m))
        eq(Math.floor(new Date(m.timestamp).getTime() / 1000), m.timestampUnix, 'timestamp vs timestampUnix')
      }
    } finally {
      await other.kill()
    }
  },
  async metrics_bad_query() {
    const s = await sbx()
    for (const path of [
      `/sandboxes/${s.sandboxId}/metrics?start=yesterday`,
      `/sandboxes/${s.sandboxId}/metrics?start=200&end=100`,
      '/sandboxes/metrics',
      `/sandboxes/metrics?sandbox_ids=${Array.from({ length: 101 }, (_, i) => `x${i}`).join(',')}`,
    ]) {
      const r = await api(path)
      eq(r.status, 400, `${path} (${JSON.stringify(r.body)})`)
      assert(r.body.code === 400 && r.body.message, `${path}: ${JSON.stringify(r.body)}`)
    }
    eq((await api('/sandboxes/nosuchsandbox0000000/metrics')).status, 404, 'unknown sandbox')
  },
}

export async function cleanup() {
  if (shared) await shared.kill()
}
