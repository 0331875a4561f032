// A fake OpenKruise endpoint on 127.0.0.1 speaking just enough of the private
// protocol for create, files.write, commands.run and runCode. It records every
// request so tests can prove where the unmodified SDK sent its traffic.
import http from 'node:http'
import { createRequire } from 'node:module'

export const API_KEY = 'e2b_' + '0123456789abcdef'.repeat(2)
export const SANDBOX_ID = 'i1m5kq0x7c2w9e4r8t3a' // the shape of a real ID: 20 random [a-z0-9]
export const ACCESS_TOKEN = 'envd-token-1'

function envelope(message, flags = 0) {
  const body = Buffer.from(JSON.stringify(message))
  const head = Buffer.alloc(5)
  head.writeUInt8(flags, 0)
  head.writeUInt32BE(body.length, 1)
  return Buffer.concat([head, body])
}

export async function startFakeServer() {
  const requests = []
  let domain
  const server = http.createServer(async (req, res) => {
    const chunks = []
    for await (const chunk of req) chunks.push(chunk)
    const body = Buffer.concat(chunks)
    requests.push({ method: req.method, url: req.url, headers: req.headers })
    const path = req.url.split('?')[0]
    const send = (status, payload = '', type = 'application/json') => {
      const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload)
      res.writeHead(status, data.length ? { 'content-type': type, 'content-length': data.length } : { 'content-length': 0 })
      res.end(data)
    }
    if (req.method === 'POST' && /^\/kruise\/api(\/v2)?\/sandboxes$/.test(path)) {
      const create = body.length ? JSON.parse(body) : {}
      return send(201, JSON.stringify({
        sandboxID: SANDBOX_ID,
        templateID: create.templateID || 'base',
        clientID: 'client',
        envdVersion: '0.5.7',
        envdAccessToken: ACCESS_TOKEN,
        domain,
      }))
    }
    if (req.method === 'DELETE' && path === `/kruise/api/sandboxes/${SANDBOX_ID}`) return send(204)
    const prefix = `/kruise/${SANDBOX_ID}/`
    if (!path.startsWith(prefix)) return send(404, '{"code":404,"message":"not found"}')
    const rest = path.slice(prefix.length)
    if (req.headers['x-access-token'] !== undefined && req.headers['x-access-token'] !== ACCESS_TOKEN) {
      return send(401, '{"code":401,"message":"bad token"}')
    }
    if (rest === '49983/files' && req.method === 'POST') {
      return send(200, JSON.stringify([{ name: 'a.txt', type: 'file', path: '/tmp/a.txt' }]))
    }
    if (rest === '49983/process.Process/Start') {
      return send(200, Buffer.concat([
        envelope({ event: { start: { pid: 7 } } }),
        envelope({ event: { data: { stdout: Buffer.from('hi\n').toString('base64') } } }),
        envelope({ event: { end: { exitCode: 0, exited: true, status: 'exit status 0' } } }),
        envelope({}, 0x02),
      ]), 'application/connect+json')
    }
    if (rest === '49999/execute') {
      const lines = [
        { type: 'number_of_executions', execution_count: 1 },
        { type: 'result', is_main_result: true, text: '2' },
        { type: 'end_of_execution' },
      ]
      return send(200, lines.map((l) => JSON.stringify(l) + '\n').join(''), 'application/x-ndjson')
    }
    return send(502, '{"code":502,"message":"The sandbox was not found"}')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  domain = `127.0.0.1:${server.address().port}`
  return {
    domain,
    requests,
    paths: (method) => requests.filter((r) => !method || r.method === method).map((r) => r.url.split('?')[0]),
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve) }),
  }
}

/** Older SDKs installed under compat/ by bin/test, or null when absent. */
export function loadCompatSdks() {
  const require = createRequire(new URL('../compat/package.json', import.meta.url))
  try {
    return { e2b: require('e2b'), codeInterpreter: require('@e2b/code-interpreter') }
  } catch {
    return null
  }
}

/** Environment as a user would set it; no ambient overrides. */
export function cleanEnv(domain) {
  for (const name of ['E2B_API_URL', 'E2B_SANDBOX_URL', 'E2B_DEBUG', 'E2B_ACCESS_TOKEN']) delete process.env[name]
  process.env.E2B_API_KEY = API_KEY
  process.env.E2B_DOMAIN = domain
}
