// API parity, listing: every filter and order the SDK sends, and paging with nextToken that stays
// stable across replicas and concurrent creates. Python twin: e2e/conformance/test_api_list.py.
import { Sandbox, RUN, assert, eq, sleep, waitFor } from '../lib.mjs'

export const scope = 'cluster'

/** Every sandbox-manager replica's API base (raw HTTP where the SDK has no call). */
export const apiUrls = () =>
  (process.env.KRUISE_MANAGER_URLS || process.env.E2B_API_URL).split(/\s+/).filter(Boolean).map((u) => u.replace(/\/$/, ''))

export async function api(method, path, { key, base, body, headers } = {}) {
  const res = await fetch((base ?? apiUrls()[0]) + path, {
    method,
    headers: { 'X-API-Key': key ?? process.env.E2B_API_KEY, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let json = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {}
  return { status: res.status, headers: res.headers, json, text }
}

async function ids(opts) {
  const paginator = Sandbox.list(opts)
  const out = []
  do {
    for (const s of await paginator.nextItems()) out.push(s.sandboxId)
  } while (paginator.hasNext)
  return out
}

export const features = {
  async list_filters() {
    const metadata = { run: RUN, t: 'js-list-filters' }
    const before = new Date(Date.now() - 5000)
    const a = await Sandbox.create({ timeoutMs: 120_000, metadata })
    await sleep(1500) // start times have second precision: a tie would order by ID
    const b = await Sandbox.create({ timeoutMs: 120_000, metadata })
    try {
      assert(await b.pause(), 'pause')
      await waitFor(async () => (await b.getInfo()).state === 'paused', 60, 'paused')
      eq(await ids({ query: { metadata, state: ['running'] } }), [a.sandboxId], 'running only')
      eq(await ids({ query: { metadata, state: ['paused'] } }), [b.sandboxId], 'paused only')
      eq(await ids({ query: { metadata }, order: 'asc' }), [a.sandboxId, b.sandboxId], 'asc')
      eq(await ids({ query: { metadata }, order: 'desc' }), [b.sandboxId, a.sandboxId], 'desc')
      const template = (await a.getInfo()).templateId
      eq((await ids({ query: { metadata, template } })).length, 2, 'by template')
      eq((await ids({ query: { metadata, template: 'code-interpreter-v1' } })).length, 2, 'by alias')
      eq(await ids({ query: { metadata, template: 'no-such-' + RUN } }), [], 'unknown template')
      eq((await ids({ query: { metadata, startedAfter: before } })).length, 2, 'startedAfter before')
      eq(await ids({ query: { metadata, startedAfter: new Date(Date.now() + 300_000) } }), [], 'startedAfter later')
    } finally {
      await a.kill()
      await b.kill()
    }
  },

  async list_paging() {
    const metadata = { run: RUN, t: 'js-list-paging' }
    const made = []
    for (let i = 0; i < 4; i++) made.push(await Sandbox.create({ timeoutMs: 180_000, metadata }))
    try {
      const urls = apiUrls()
      const seen = []
      let token = null
      let page = 0
      const encoded = encodeURIComponent(`run=${RUN}&t=js-list-paging`)
      do {
        // Each page from another replica, and a create between pages.
        let path = `/v2/sandboxes?state=running&limit=2&metadata=${encoded}`
        if (token) path += `&nextToken=${encodeURIComponent(token)}`
        const r = await api('GET', path, { base: urls[page % urls.length] })
        eq(r.status, 200, `page ${page}: ${r.text}`)
        seen.push(...r.json.map((s) => s.sandboxID))
        token = r.headers.get('x-next-token')
        page++
        if (page === 1) made.push(await Sandbox.create({ timeoutMs: 180_000, metadata }))
        assert(page < 10, 'paging ends')
      } while (token)
      eq(seen.length, new Set(seen).size, 'no sandbox on two pages')
      for (const s of made.slice(0, 4)) assert(seen.includes(s.sandboxId), `${s.sandboxId} listed`)
      const paginator = Sandbox.list({ query: { metadata, state: ['running'] }, limit: 2 })
      const first = await paginator.nextItems()
      assert(first.length === 2 && paginator.hasNext, 'a first page of 2 with more to come')
      const all = first.map((s) => s.sandboxId)
      while (paginator.hasNext) all.push(...(await paginator.nextItems()).map((s) => s.sandboxId))
      eq(all.sort(), made.map((s) => s.sandboxId).sort(), 'SDK paginator sees every sandbox once')
      eq((await api('GET', '/v2/sandboxes?nextToken=garbage!')).status, 400, 'bad token')
    } finally {
      for (const s of made) await s.kill().catch(() => {})
    }
  },
}
