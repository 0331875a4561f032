// API parity, network: E2B's egress rules (allowInternetAccess, network.allowOut/denyOut,
// updateNetwork) become the sandbox's own NetworkPolicy, owned by its Sandbox; domain rules → 400.
// Python twin: e2e/conformance/test_api_network.py.
import { spawnSync } from 'node:child_process'
import { Sandbox, RUN, assert, eq, kubectl, sandboxObject, waitFor } from '../lib.mjs'

export const scope = 'cluster'
const EGRESS_LABEL = 'agents.kruise.io/egress-policy'

function policyOf(s) {
  const { namespace, name } = s.metadata
  const out = spawnSync('kubectl', ['get', 'networkpolicy', '-n', namespace, name, '-o', 'json'], {
    encoding: 'utf8',
    timeout: 60_000,
  })
  return out.status === 0 ? JSON.parse(out.stdout) : null
}

// The ipBlocks of every egress rule but the first (DNS), as 'cidr except a,b' strings.
function blocks(policy) {
  return policy.spec.egress
    .slice(1)
    .flatMap((r) => r.to.map((p) => p.ipBlock.cidr + (p.ipBlock.except ? ' except ' + p.ipBlock.except.join(',') : '')))
}

function ownedAndSelecting(s, policy, id) {
  assert(policy, 'a NetworkPolicy for the sandbox')
  const owner = policy.metadata.ownerReferences[0]
  eq(`${owner.kind}/${owner.name}/${owner.uid}`, `Sandbox/${s.metadata.name}/${s.metadata.uid}`, 'owner')
  eq(JSON.stringify(policy.spec.podSelector), JSON.stringify({ matchLabels: { [EGRESS_LABEL]: id } }), 'podSelector')
  eq(policy.spec.policyTypes.join(), 'Egress', 'policyTypes')
  const pod = JSON.parse(kubectl('get', 'pod', '-n', s.metadata.namespace, s.metadata.name, '-o', 'json'))
  eq(pod.metadata.labels[EGRESS_LABEL], id, 'pod label')
}

async function rejected(fn, ...needles) {
  try {
    await fn()
  } catch (e) {
    for (const n of needles) assert(String(e.message).includes(n), `error names ${n}: ${e.message}`)
    return
  }
  throw new Error('accepted')
}

export const features = {
  async network_no_internet() {
    const s = await Sandbox.create({ timeoutMs: 120_000, allowInternetAccess: false, metadata: { run: RUN } })
    let cr
    try {
      cr = sandboxObject(s.sandboxId)
      const policy = policyOf(cr)
      ownedAndSelecting(cr, policy, s.sandboxId)
      eq(blocks(policy).length, 0, 'only DNS open')
      const record = JSON.parse(cr.metadata.annotations['agents.kruise.io/network'])
      eq(`${record.allowOut.join()}|${record.denyOut.join()}`, '|0.0.0.0/0', 'record')
      eq((await s.commands.run('echo still-here')).stdout, 'still-here\n', 'runtime reachable')
    } finally {
      await s.kill()
    }
    await waitFor(() => policyOf(cr) === null, 90, 'NetworkPolicy deleted with the Sandbox')
  },

  async network_rules() {
    const s = await Sandbox.create({
      timeoutMs: 120_000,
      metadata: { run: RUN },
      network: { allowOut: ['1.1.1.1', '8.8.8.8:53'], denyOut: ['8.8.8.0/24', '203.0.113.7'] },
    })
    try {
      const cr = sandboxObject(s.sandboxId)
      const policy = policyOf(cr)
      ownedAndSelecting(cr, policy, s.sandboxId)
      const b = blocks(policy)
      const v4 = b.filter((x) => x.startsWith('0.0.0.0/0'))
      assert(v4.length === 1 && v4[0].includes('8.8.8.0/24') && v4[0].includes('203.0.113.7/32'), JSON.stringify(b))
      assert(b.includes('1.1.1.1/32') && b.includes('8.8.8.8/32'), JSON.stringify(b))
    } finally {
      await s.kill()
    }
  },

  async network_update() {
    const s = await Sandbox.create({ timeoutMs: 120_000, metadata: { run: RUN } })
    try {
      const cr = sandboxObject(s.sandboxId)
      eq(policyOf(cr), null, 'no policy without rules')
      await s.updateNetwork({ allowOut: ['1.1.1.1'], denyOut: ['0.0.0.0/0'] })
      const policy = policyOf(cr)
      ownedAndSelecting(sandboxObject(s.sandboxId), policy, s.sandboxId)
      eq(blocks(policy).join(), '1.1.1.1/32', 'blocks')
      await s.updateNetwork({})
      const open = blocks(policyOf(cr))
      assert(!open.some((x) => x.includes('1.1.1.1')) && open.some((x) => x.startsWith('0.0.0.0/0')), JSON.stringify(open))
      await s.updateNetwork({ allowInternetAccess: false })
      eq(blocks(policyOf(cr)).length, 0, 'no internet after update')
    } finally {
      await s.kill()
    }
    await rejected(() => Sandbox.updateNetwork('nosuchsandbox0000000000', {}), 'not found')
  },

  async network_domain_400() {
    await rejected(
      () => Sandbox.create({ timeoutMs: 60_000, metadata: { run: RUN }, network: { allowOut: ['example.com'], denyOut: ['0.0.0.0/0'] } }),
      'network.allowOut',
      'example.com',
    )
    await rejected(
      () => Sandbox.create({ timeoutMs: 60_000, metadata: { run: RUN }, network: { denyOut: ['example.com'] } }),
      'network.denyOut',
    )
    const s = await Sandbox.create({ timeoutMs: 60_000, metadata: { run: RUN } })
    try {
      await rejected(() => s.updateNetwork({ allowOut: ['api.example.com'], denyOut: ['0.0.0.0/0'] }), 'allowOut', 'api.example.com')
      eq(policyOf(sandboxObject(s.sandboxId)), null, 'a refused update writes nothing')
    } finally {
      await s.kill()
    }
  },
}
