// API parity, logs: the sandbox's container log in E2B's v1 and v2 shapes (raw HTTP: the SDK has
// no call). Python twin: e2e/conformance/test_api_logs.py.
import { Sandbox, RUN, assert, eq } from '../lib.mjs'
import { api } from './api-list.mjs'

export const scope = 'cluster'

export const features = {
  async sandbox_logs() {
    const s = await Sandbox.create({ timeoutMs: 120_000, metadata: { run: RUN, t: 'js-logs' } })
    try {
      const v1 = await api('GET', `/sandboxes/${s.sandboxId}/logs?start=0&limit=50`)
      eq(v1.status, 200, v1.text)
      eq(Object.keys(v1.json).sort(), ['logEntries', 'logs'], 'v1 keys')
      for (const l of v1.json.logs) eq(Object.keys(l).sort(), ['line', 'timestamp'], 'v1 line')
      const v2 = await api('GET', `/v2/sandboxes/${s.sandboxId}/logs?direction=backward&limit=5`)
      eq(v2.status, 200, v2.text)
      assert(Array.isArray(v2.json.logs) && v2.json.logs.length <= 5, v2.text)
      for (const q of ['direction=sideways', 'level=fatal', 'limit=5000', 'cursor=yesterday']) {
        eq((await api('GET', `/v2/sandboxes/${s.sandboxId}/logs?${q}`)).status, 400, q)
      }
      eq((await api('GET', '/sandboxes/nosuchsandbox0000000/logs')).status, 404, 'unknown sandbox')
    } finally {
      await s.kill()
    }
  },
}
