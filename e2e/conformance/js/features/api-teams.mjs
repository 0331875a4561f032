// API parity, teams: a team is a namespace; GET /teams, keys scoped with teamName, and a scoped
// key sees and claims only in its namespace. Python twin: e2e/conformance/test_api_teams.py.
import { Sandbox, RUN, assert, eq, kubectl } from '../lib.mjs'
import { api } from './api-list.mjs'

export const scope = 'cluster'

const newKey = (name, teamName) => api('POST', '/api-keys', { body: teamName === undefined ? { name } : { name, teamName } })

export const features = {
  async teams_list() {
    const r = await api('GET', '/teams')
    eq(r.status, 200, 'GET /teams')
    const mine = r.json.filter((t) => t.isDefault)
    assert(mine.length === 1 && ['teamID', 'name', 'apiKey', 'isDefault'].every((k) => k in mine[0]), r.text)
    const created = await newKey(`js-team-${RUN}`, 'default')
    eq(created.status, 201, created.text)
    try {
      const scoped = await api('GET', '/teams', { key: created.json.key })
      eq(scoped.json.map((t) => [t.name, t.isDefault]), [['default', true]], 'scoped key team')
      eq(scoped.json[0].teamID, created.json.team.id, 'team ID')
    } finally {
      await api('DELETE', `/api-keys/${created.json.id}`)
    }
  },

  async team_keys() {
    for (const [bad, why] of [['Not_A_Namespace!', 'not a valid namespace'], [`no-such-ns-${RUN}`, 'does not exist']]) {
      const r = await newKey(`js-bad-${RUN}`, bad)
      eq(r.status, 400, r.text)
      assert(r.json.message.includes(bad) && r.json.message.includes(why), r.text)
    }
    const other = `js-team-${RUN}`
    kubectl('create', 'namespace', other)
    const keys = []
    try {
      const home = await newKey(`js-home-${RUN}`, 'default')
      const away = await newKey(`js-away-${RUN}`, other)
      eq([home.status, away.status], [201, 201], 'created')
      keys.push(home.json, away.json)
      const listed = Object.fromEntries((await api('GET', '/api-keys')).json.map((k) => [k.id, k]))
      eq(listed[home.json.id].team.name, 'default', 'listing shows scope')
      eq(listed[away.json.id].team.name, other, 'listing shows scope')
      const names = async (key) => (await api('GET', '/templates', { key })).json.map((t) => t.templateID)
      assert((await names(home.json.key)).includes('code-interpreter'), 'home team sees its template')
      eq(await names(away.json.key), [], 'other team sees none')
      let refused = false
      try {
        await (await Sandbox.create({ timeoutMs: 60_000, apiKey: away.json.key })).kill()
      } catch (e) {
        refused = true
      }
      assert(refused, 'a key of another namespace cannot claim from default')
      const s = await Sandbox.create({ timeoutMs: 60_000, apiKey: home.json.key, metadata: { run: RUN } })
      try {
        eq((await s.commands.run('echo team')).stdout, 'team\n', 'command')
        eq((await api('GET', `/sandboxes/${s.sandboxId}`, { key: away.json.key })).status, 404, 'other team: 404')
      } finally {
        await s.kill()
      }
    } finally {
      for (const k of keys) await api('DELETE', `/api-keys/${k.id}`)
      kubectl('delete', 'namespace', other, '--wait=false')
    }
  },
}
