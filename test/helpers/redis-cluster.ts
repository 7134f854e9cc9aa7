// A real Redis Cluster of the test's own: three masters, each with one replica, on free loopback
// ports (data and bus ports both chosen free, never 6379), so a test can kill a master and promote
// its replica.

import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './gateway-process.js'

export interface ClusterNode {
  port: number
  kill: () => Promise<void>
}

export interface TestRedisCluster {
  /** `host:port,…` of every node, the gateway's REDIS_CLUSTER_NODES. */
  seeds: string
  nodes: ClusterNode[]
  /** The master serving `key`'s hash slot now. */
  masterOf: (key: string) => ClusterNode
  /** The replica that follows `master`. */
  replicaOf: (master: ClusterNode) => ClusterNode
  /** Kills `master` and promotes its replica with CLUSTER FAILOVER TAKEOVER; resolves once every live node agrees. */
  failover: (master: ClusterNode) => Promise<ClusterNode>
  stop: () => Promise<void>
}

function cli (port: number, ...args: string[]): string {
  const result = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000 })
  return (result.stdout ?? '') + (result.stderr ?? '')
}

async function waitUntil (check: () => boolean, message: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(message)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function nodeId (port: number): string {
  return cli(port, 'cluster', 'myid').trim()
}

export async function startRedisCluster (): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'thriftline-cluster-'))
  const children = new Map<number, ChildProcess>()
  const nodes: ClusterNode[] = []
  for (let i = 0; i < 6; i++) {
    const port = await freePort()
    const busPort = await freePort()
    const child = spawn('redis-server', [
      '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1',
      '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
      '--cluster-node-timeout', '1000', '--dir', dir, '--save', '', '--appendonly', 'no'
    ], { stdio: 'ignore' })
    children.set(port, child)
    nodes.push({
      port,
      kill: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGKILL') })
      }
    })
  }
  const alive = (node: ClusterNode): boolean => { const c = children.get(node.port); return c !== undefined && c.exitCode === null && c.signalCode === null }
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.kill()))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (const node of nodes) await waitUntil(() => cli(node.port, 'ping').trim() === 'PONG', `redis-server on ${node.port} did not start`)
    const created = cli(nodes[0]!.port, '--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '1', '--cluster-yes')
    if (!created.includes('All 16384 slots covered')) throw new Error(`cluster create failed: ${created}`)
    const healthy = (): boolean => nodes.every((node) => cli(node.port, 'cluster', 'info').includes('cluster_state:ok'))
    await waitUntil(healthy, 'cluster never reached cluster_state:ok')
  } catch (err) {
    await stop()
    throw err
  }

  const byId = (id: string): ClusterNode => {
    const node = nodes.find((candidate) => alive(candidate) && nodeId(candidate.port) === id)
    if (node === undefined) throw new Error(`no live node ${id}`)
    return node
  }
  const masterOf = (key: string): ClusterNode => {
    const live = nodes.find(alive)
    if (live === undefined) throw new Error('no live node')
    const slot = Number(cli(live.port, 'cluster', 'keyslot', key).trim())
    // CLUSTER NODES lines: id addr flags master-id ping pong epoch link-state slot-range…
    for (const line of cli(live.port, 'cluster', 'nodes').split('\n')) {
      const fields = line.trim().split(' ')
      if (fields.length < 9 || !fields[2]!.includes('master') || fields[2]!.includes('fail')) continue
      for (const range of fields.slice(8)) {
        const [start, end] = range.split('-').map(Number)
        if (start !== undefined && slot >= start && slot <= (end ?? start)) return byId(fields[0]!)
      }
    }
    throw new Error(`no master serves slot ${slot}`)
  }
  const replicaOf = (master: ClusterNode): ClusterNode => {
    const id = nodeId(master.port)
    const replica = nodes.find((node) => node !== master && alive(node) && cli(node.port, 'cluster', 'nodes')
      .split('\n').some((line) => line.includes('myself') && line.split(' ')[3] === id))
    if (replica === undefined) throw new Error(`no replica follows ${master.port}`)
    return replica
  }
  const failover = async (master: ClusterNode): Promise<ClusterNode> => {
    const replica = replicaOf(master)
    await master.kill()
    const answer = cli(replica.port, 'cluster', 'failover', 'takeover').trim()
    if (answer !== 'OK') throw new Error(`CLUSTER FAILOVER TAKEOVER answered ${answer}`)
    await waitUntil(() => cli(replica.port, 'role').startsWith('master'), 'the replica was not promoted')
    await waitUntil(() => nodes.filter(alive).every((node) => cli(node.port, 'cluster', 'info').includes('cluster_state:ok')), 'cluster not ok after failover')
    return replica
  }
  return { seeds: nodes.map((node) => `127.0.0.1:${node.port}`).join(','), nodes, masterOf, replicaOf, failover, stop }
}
