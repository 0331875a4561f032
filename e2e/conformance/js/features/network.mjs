// Sandbox fidelity, network: E2B's egress rules enforced by real packets from inside sandboxes, in
// the real-node cell only (the simulated node enforces no NetworkPolicy). Every destination is on
// this machine: listeners on the host end of the node's veth, another sandbox's pod IP, the node's
// CoreDNS. Python twin: e2e/conformance/test_sandbox_network.py.
import net from 'node:net'
import { Sandbox, RUN, assert, cell, eq, featureLimits, kubectl, sandboxObjects, sleep } from '../lib.mjs'

featureLimits.network_enforced = () =>
  cell.mode === 'real-node' ? null : 'NetworkPolicy is enforced on the real node only (the simulated node does not enforce it)'

const PROBE = [
  'import socket,sys',
  'try:',
  "  socket.create_connection((sys.argv[1], int(sys.argv[2])), 3).close(); print('open')",
  "except socket.timeout: print('timeout')",
  "except OSError as e: print('closed', e.errno)",
].join('\n')
const RESOLVE = [
  'import socket',
  "try: print(socket.gethostbyname('kubernetes.default.svc.cluster.local'))",
  "except OSError as e: print('unresolved', e)",
].join('\n')

function podIp(id) {
  const s = sandboxObjects(id)[0]
  return kubectl('get', 'pod', '-n', s.metadata.namespace, s.metadata.name, '-o', 'jsonpath={.status.podIP}').trim()
}

async function listen(host) {
  const srv = net.createServer((c) => c.destroy())
  await new Promise((resolve, reject) => srv.once('error', reject).listen(0, host, resolve))
  return srv
}

async function dial(s, host, port) {
  await s.files.write('/tmp/probe.py', PROBE)
  return (await s.commands.run(`python3 /tmp/probe.py ${host} ${port}`, { timeoutMs: 30_000 })).stdout.trim()
}

async function resolve(s) {
  await s.files.write('/tmp/resolve.py', RESOLVE)
  return (await s.commands.run('python3 /tmp/resolve.py', { timeoutMs: 30_000 })).stdout.trim()
}

// kube-router applies a policy change asynchronously: wait for its effect, boundedly.
async function until(probe, done, what, seconds = 120) {
  const deadline = Date.now() + seconds * 1000
  let last = await probe()
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${last} after ${seconds}s`)
    await sleep(1000)
    last = await probe()
  }
}

export const features = {
  async network_enforced() {
    const made = []
    const servers = []
    try {
      const plain = await Sandbox.create({ timeoutMs: 300_000, metadata: { run: RUN, t: 'js-net-plain' } })
      made.push(plain)
      const plainIp = podIp(plain.sandboxId)
      const host = `10.255.${plainIp.split('.')[2]}.1`
      const allowed = await listen(host)
      const denied = await listen(host)
      servers.push(allowed, denied)
      const [ap, dp] = [allowed.address().port, denied.address().port]

      eq(await dial(plain, host, dp), 'open', 'control: no rules')
      eq(await resolve(plain), '10.96.0.1', 'control: DNS')

      const deny = await Sandbox.create({
        timeoutMs: 300_000,
        metadata: { run: RUN, t: 'js-net-deny' },
        network: { denyOut: [`${host}/32`] },
      })
      made.push(deny)
      await until(() => dial(deny, host, dp), (o) => o !== 'open', `denyOut ${host}`)
      eq(await dial(deny, plainIp, 49983), 'open', 'another pod stays reachable')
      eq(await resolve(deny), '10.96.0.1', 'DNS under denyOut')

      const closed = await Sandbox.create({
        timeoutMs: 300_000,
        metadata: { run: RUN, t: 'js-net-closed' },
        allowInternetAccess: false,
        network: { allowOut: [`${host}:${ap}`] },
      })
      made.push(closed)
      await until(() => dial(closed, host, dp), (o) => o !== 'open', 'allowInternetAccess false')
      eq(await dial(closed, host, ap), 'open', 'allowOut host:port')
      assert((await dial(closed, plainIp, 49983)) !== 'open', 'another pod closed')
      eq(await resolve(closed), '10.96.0.1', 'DNS without internet')

      await deny.updateNetwork({})
      await until(() => dial(deny, host, dp), (o) => o === 'open', 'updateNetwork({}) reopening')
    } finally {
      for (const s of made) await s.kill().catch(() => {})
      for (const srv of servers) srv.close()
    }
  },
}
