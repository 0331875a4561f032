// API parity, lifecycle: expiry (gone for every call and proxy route, also while its deletion is
// held up), per-sandbox auto-resume (lifecycle.autoResume) and the container log in the logs API.
// Python twin: e2e/conformance/test_api_lifecycle.py.
import { E2B, MODE, RUN, Sandbox, assert, atLeast, eq, featureLimits, gone, kubectl, pause, sandboxObjects, sleep, waitFor } from '../lib.mjs'
import { api } from './api-list.mjs'

export const scope = 'cluster'

const ENVD_PORT = 49983
const HOLD = 'conformance.agents.kruise.io/hold'

featureLimits.auto_resume_traffic = () =>
  atLeast(E2B, [2, 14, 0]) ? null : 'e2b < 2.14.0 has no lifecycle option'

/** A plain HTTP request to a sandbox port through the proxy, as a browser or curl sends it. */
async function portRequest(id, port, path, sbx) {
  const domain = process.env.E2B_DOMAIN
  let url
  // envd's port wants the sandbox's access token (a secure sandbox), as the SDK sends it.
  const headers = sbx?.envdAccessToken ? { 'X-Access-Token': sbx.envdAccessToken } : {}
  if (MODE === 'header') {
    url = process.env.E2B_SANDBOX_URL.replace(/\/$/, '') + path
    headers['E2b-Sandbox-Id'] = id
    headers['E2b-Sandbox-Port'] = String(port)
  } else if (MODE === 'native') {
    url = `https://${port}-${id}.${domain}${path}`
  } else {
    url = `https://${domain}/kruise/${id}/${port}${path}`
  }
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(180_000) })
  const text = await res.text()
  let json = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {}
  return { status: res.status, json, text }
}

const state = async (s) => (await s.getInfo()).state

function namespaceAndName(id) {
  const items = sandboxObjects(id)
  return items.length ? [items[0].metadata.namespace, items[0].metadata.name] : null
}

/** Rewrites the Sandbox's finalizers with `change` (a function of the current list). */
// Under the resourceVersion and retried on conflict: the controller's own finalizer may go
// meanwhile, and an object being deleted refuses a list that adds it back.
function finalizers(ns, name, change) {
  for (let attempt = 0; ; attempt++) {
    const current = JSON.parse(kubectl('get', 'sbx', '-n', ns, name, '-o', 'json'))
    const wanted = change(current.metadata.finalizers ?? [])
    const patch = { metadata: { finalizers: wanted, resourceVersion: current.metadata.resourceVersion } }
    try {
      kubectl('patch', 'sbx', '-n', ns, name, '--type=merge', '-p', JSON.stringify(patch))
      return
    } catch (e) {
      if (attempt === 4) throw e
    }
  }
}

async function assertUnknown(id, what) {
  assert(await gone(id), `getInfo still finds the sandbox ${what}`)
  let revived = false
  try {
    await Sandbox.connect(id, { timeoutMs: 30_000 })
    revived = true
  } catch (e) {
    assert(/not found/i.test(String(e.message)) || e.name === 'NotFoundError', `connect ${what}: ${e}`)
  }
  assert(!revived, `connect revived the sandbox ${what}`)
  const r = await portRequest(id, ENVD_PORT, '/health')
  eq(r.status, 502, `proxy status ${what}`)
  eq(r.json?.message, 'The sandbox was not found', `proxy answer ${what}`)
}

export const features = {
  async expiry_gone() {
    const s = await Sandbox.create({ timeoutMs: 60_000, metadata: { run: RUN, t: 'js-expiry' } })
    const [ns, name] = namespaceAndName(s.sandboxId)
    // A finalizer holds the object after the controller deletes it: the window in which the
    // Sandbox still exists although its time is up lasts as long as the case needs.
    finalizers(ns, name, (f) => [...f, HOLD])
    try {
      const ok = await portRequest(s.sandboxId, ENVD_PORT, '/health', s)
      assert(ok.status === 200 || ok.status === 204, `health before expiry: ${ok.status} ${ok.text}`)
      await s.setTimeout(3_000)
      await sleep(3_000)
      // One second for the other replica's watch: see test_api_lifecycle.py.
      await waitFor(() => gone(s.sandboxId), 1, 'getInfo NotFound once its time was up')
      await assertUnknown(s.sandboxId, 'right after its time was up')
      await waitFor(() => kubectl('get', 'sbx', '-n', ns, name, '-o', 'json').includes('deletionTimestamp'),
        60, 'the controller deleting the expired Sandbox')
      await assertUnknown(s.sandboxId, 'while its deletion is held')
    } finally {
      finalizers(ns, name, (f) => f.filter((x) => x !== HOLD))
    }
    await waitFor(() => namespaceAndName(s.sandboxId) === null, 60, 'the Sandbox gone')
    await assertUnknown(s.sandboxId, 'after the controller deleted it')
  },

  async auto_resume_traffic() {
    const metadata = { run: RUN, t: 'js-auto-resume' }
    const woken = await Sandbox.create({ timeoutMs: 4_000, metadata,
      lifecycle: { onTimeout: 'pause', autoResume: true } })
    const asleep = await Sandbox.create({ timeoutMs: 4_000, metadata, lifecycle: { onTimeout: 'pause' } })
    try {
      const lifecycle = (await woken.getInfo()).lifecycle
      if (lifecycle) {
        eq(lifecycle, { onTimeout: 'pause', autoResume: true }, 'getInfo lifecycle')
        eq((await asleep.getInfo()).lifecycle.autoResume, false, 'autoResume of the other')
      }
      // onTimeout=pause: the timeout pauses the sandbox instead of deleting it.
      for (const s of [woken, asleep]) await waitFor(async () => (await state(s)) === 'paused', 60, 'paused by its timeout')
      // Traffic to a port of the paused sandbox resumes it and is answered once it runs.
      const r = await portRequest(woken.sandboxId, ENVD_PORT, '/health', woken)
      assert(r.status === 200 || r.status === 204, `health of the auto-resumed sandbox: ${r.status} ${r.text}`)
      eq(await state(woken), 'running', 'state after traffic')
      eq((await woken.commands.run('echo awake')).stdout, 'awake\n', 'command after auto-resume')
      // Without autoResume traffic does not wake it: E2B's paused answer, still paused.
      const no = await portRequest(asleep.sandboxId, ENVD_PORT, '/health', asleep)
      eq(no.status, 502, `traffic to a paused sandbox without autoResume: ${no.text}`)
      eq(await state(asleep), 'paused', 'still paused')
      // A manually paused auto-resume sandbox wakes on traffic too.
      await pause(woken)
      await waitFor(async () => (await state(woken)) === 'paused', 60, 'paused')
      eq((await woken.commands.run('echo again')).stdout, 'again\n', 'command wakes it again')
      // connect of a paused sandbox resumes it, as without autoResume.
      const again = await Sandbox.connect(asleep.sandboxId, { timeoutMs: 60_000 })
      eq((await again.commands.run('echo resumed')).stdout, 'resumed\n', 'command after connect')
    } finally {
      await woken.kill()
      await asleep.kill()
    }
  },

  async sandbox_logs_content() {
    const s = await Sandbox.create({ timeoutMs: 120_000, metadata: { run: RUN, t: 'js-logs-content' } })
    try {
      const v1 = await api('GET', `/sandboxes/${s.sandboxId}/logs?start=0&limit=100`)
      eq(v1.status, 200, v1.text)
      // The runtime's startup line, as the container printed it.
      const lines = v1.json.logs.map((l) => l.line)
      assert(lines.some((l) => l.includes('agent-runtime') && l.includes('listening on')), `v1 logs: ${v1.text}`)
      const v2 = await api('GET', `/v2/sandboxes/${s.sandboxId}/logs?direction=backward&limit=100`)
      eq(v2.status, 200, v2.text)
      assert(v2.json.logs.some((e) => e.message.includes('listening on')), `v2 logs: ${v2.text}`)
    } finally {
      await s.kill()
    }
  },
}
