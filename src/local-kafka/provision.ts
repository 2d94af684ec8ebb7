/** Lays out a fresh local cluster on disk: ports, per-node configs and formatted storage. */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { KafkaDistribution } from './distribution.js'
import {
  type ListenerSpec,
  LOG4J2_CONFIG,
  type NodeLayout,
  nodeProperties,
  toPropertiesFile,
} from './node-config.js'
import { freePorts } from './ports.js'
import type { ClusterState, NodeState } from './state.js'

const run = promisify(execFile)

/** Node id of the dedicated controller of a multi-broker cluster; brokers are 1..n. */
export const CONTROLLER_NODE_ID = 100

export interface ProvisionOptions {
  name: string
  brokers: 1 | 3
  autoCreateTopics: boolean
  brokerProperties: Record<string, string>
  baseDir: string | undefined
  heapMb: number | undefined
  detached: boolean
  /** Feature levels to format the cluster with (e.g. `transaction.version: 0`); Kafka's defaults otherwise. */
  features?: Record<string, number>
  /** Client listeners besides PLAINTEXT, each on a port of its own on every broker. */
  listeners?: readonly ListenerSpec[]
  /** More arguments for `kafka-storage format`, e.g. `--add-scram` credentials. */
  formatArgs?: readonly string[]
  /** Open JMX (no authentication, loopback only) on a port of each node's own. */
  jmx?: boolean
}

/** A random cluster id in Kafka's form: 16 bytes, base64url without padding. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id // would read as an option on a command line
  }
}

interface Layout {
  nodes: NodeLayout[]
  /** JMX port by node id (when asked for). */
  jmxPorts: Map<number, number>
}

/** Every port is found in one freePorts call, so no two of them coincide. */
async function layout(dir: string, options: ProvisionOptions): Promise<Layout> {
  const brokers = options.brokers
  const listeners = options.listeners ?? []
  const nodeCount = brokers === 1 ? 1 : brokers + 1
  const ports = await freePorts(
    nodeCount + (brokers === 1 ? 1 : 0) + brokers * listeners.length + (options.jmx ? nodeCount : 0),
  )
  let next = 0
  const take = () => ports[next++]!
  const listenerPorts = () => Object.fromEntries(listeners.map((l) => [l.name, take()]))
  const nodes: NodeLayout[] = []
  if (brokers === 1) {
    nodes.push({
      nodeId: 1,
      role: 'combined',
      port: take(),
      controllerPort: take(),
      listenerPorts: listenerPorts(),
      dataDir: join(dir, 'node-1'),
    })
  } else {
    nodes.push({
      nodeId: CONTROLLER_NODE_ID,
      role: 'controller',
      port: null,
      controllerPort: take(),
      dataDir: join(dir, `node-${CONTROLLER_NODE_ID}`),
    })
    for (let i = 0; i < brokers; i++) {
      nodes.push({
        nodeId: i + 1,
        role: 'broker',
        port: take(),
        controllerPort: null,
        listenerPorts: listenerPorts(),
        dataDir: join(dir, `node-${i + 1}`),
      })
    }
  }
  const jmxPorts = new Map<number, number>()
  if (options.jmx) for (const n of nodes) jmxPorts.set(n.nodeId, take())
  return { nodes, jmxPorts }
}

function defaultHeap(node: NodeLayout, brokers: number): number {
  if (brokers === 1) return 512
  return node.role === 'controller' ? 256 : 384
}

/** Creates the cluster's folder, writes every node's config and formats its storage. */
export async function provision(dist: KafkaDistribution, options: ProvisionOptions): Promise<ClusterState> {
  const parent = options.baseDir ?? tmpdir()
  await mkdir(parent, { recursive: true })
  const dir = await mkdtemp(join(parent, `sluice-kafka-${options.name}-`))
  try {
    return await provisionIn(dir, dist, options)
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

async function provisionIn(
  dir: string,
  dist: KafkaDistribution,
  options: ProvisionOptions,
): Promise<ClusterState> {
  const clusterId = newClusterId()
  const { nodes, jmxPorts } = await layout(dir, options)
  const voters = nodes
    .filter((n) => n.controllerPort !== null)
    .map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`)
    .join(',')
  const log4jConfig = join(dir, 'log4j2.properties')
  await writeFile(log4jConfig, LOG4J2_CONFIG)

  const states: NodeState[] = []
  for (const node of nodes) {
    await mkdir(node.dataDir, { recursive: true })
    const props = nodeProperties(node, {
      brokerCount: options.brokers,
      quorumVoters: voters,
      autoCreateTopics: options.autoCreateTopics,
      ...(options.listeners === undefined ? {} : { listeners: options.listeners }),
      overrides: options.brokerProperties,
    })
    const propsFile = join(dir, `node-${node.nodeId}.properties`)
    await writeFile(propsFile, toPropertiesFile(props))
    states.push({
      nodeId: node.nodeId,
      role: node.role,
      port: node.port,
      controllerPort: node.controllerPort,
      ...(node.listenerPorts === undefined || Object.keys(node.listenerPorts).length === 0
        ? {}
        : { listenerPorts: { ...node.listenerPorts } }),
      ...(jmxPorts.has(node.nodeId) ? { jmxPort: jmxPorts.get(node.nodeId)! } : {}),
      propsFile,
      logFile: join(dir, `node-${node.nodeId}.log`),
      outFile: join(dir, `node-${node.nodeId}.stdout.log`),
      heapMb: options.heapMb ?? defaultHeap(node, options.brokers),
      pid: null,
    })
  }

  await Promise.all(
    states.map(async (node) => {
      const args = [
        '-Xmx256m',
        `-Dlog4j2.configurationFile=${log4jConfig}`,
        `-Dsluice.logFile=${join(dir, `format-${node.nodeId}.log`)}`,
        '-cp',
        dist.classpath,
        'kafka.tools.StorageTool',
        'format',
        `--cluster-id=${clusterId}`,
        `--config=${node.propsFile}`,
        ...Object.entries(options.features ?? {}).map(([name, level]) => `--feature=${name}=${level}`),
        ...(options.formatArgs ?? []),
      ]
      try {
        await run('java', args, { maxBuffer: 4 * 1024 * 1024 })
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string }
        throw new Error(
          `formatting node ${node.nodeId} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
        )
      }
    }),
  )

  const bootstrapServers = states
    .filter((n) => n.port !== null)
    .map((n) => `127.0.0.1:${n.port}`)
    .join(',')
  return {
    name: options.name,
    dir,
    clusterId,
    classpath: dist.classpath,
    log4jConfig,
    bootstrapServers,
    detached: options.detached,
    owner: process.pid,
    nodes: states,
  }
}
