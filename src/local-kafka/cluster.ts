/**
 * The project's own Apache Kafka launcher for tests, benchmarks and the CLI: KRaft on loopback,
 * a single combined node or a dedicated controller plus three brokers. Never used by the library.
 */
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { brokerKafkaVersion, ensureKafka } from './distribution.js'
import { keepLogs, repoRoot } from './logs.js'
import type { ListenerSpec } from './node-config.js'
import { atExit, isRunning, launchJava, stopProcess } from './processes.js'
import { provision } from './provision.js'
import { waitReady } from './readiness.js'
import {
  type ClusterState,
  listStates,
  type NodeState,
  readState,
  removeState,
  runDir,
  withNameLock,
  writeState,
} from './state.js'

export type { ListenerSpec, SecurityProtocol } from './node-config.js'
export { KafkaNotReadyError } from './readiness.js'

export interface KafkaClusterOptions {
  /** 1 (default): one combined broker+controller. 3: a dedicated controller plus three brokers. */
  brokers?: 1 | 3
  /** Names the cluster's state file; starting a name that is already running returns that cluster. */
  name?: string
  /** Extra or overriding server.properties for every node. */
  brokerProperties?: Record<string, string>
  /** `auto.create.topics.enable`; default false. */
  autoCreateTopics?: boolean
  /** Parent of the cluster's fresh temp folder; default the OS temp dir. */
  baseDir?: string
  /** JVM heap per node; default 512 (single), 384 per broker and 256 for the controller (three). */
  heapMb?: number
  /** Leave the JVMs running when this process exits (the CLI); default false. */
  detached?: boolean
  /** Feature levels the cluster is formatted with, e.g. `{ 'transaction.version': 0 }`. */
  features?: Record<string, number>
  /** How long to wait for the brokers to be ready; default 90 s. */
  readyTimeoutMs?: number
  /**
   * Client listeners besides PLAINTEXT (which stays the inter-broker listener and the one the
   * readiness probe uses), each on a free loopback port of every broker. Their settings
   * (`listener.name.<name>.*`) go in brokerProperties.
   */
  listeners?: readonly ListenerSpec[]
  /** More arguments for `kafka-storage format`, e.g. `--add-scram 'SCRAM-SHA-256=[name=u,password=p]'`. */
  formatArgs?: readonly string[]
  /** Open JMX on a free loopback port of each node (no authentication); see LocalBroker.jmxPort. */
  jmx?: boolean
  /** Apache Kafka version of the brokers, e.g. '3.9.2'; default `SLUICE_KAFKA_VERSION`, else the newest tested. */
  kafkaVersion?: string
}

export interface LocalBroker {
  readonly nodeId: number
  readonly host: string
  readonly port: number
  /** Ports of the extra listeners (KafkaClusterOptions.listeners) by listener name. */
  readonly listenerPorts: Readonly<Record<string, number>>
  /** Its JMX port (`service:jmx:rmi:///jndi/rmi://127.0.0.1:<port>/jmxrmi`), or null without jmx. */
  readonly jmxPort: number | null
  /** Whether its JVM is alive right now. */
  readonly running: boolean
  readonly logFile: string
}

export interface KafkaCluster {
  readonly name: string
  readonly clusterId: string
  /** `127.0.0.1:p1,127.0.0.1:p2,...` */
  readonly bootstrapServers: string
  readonly brokers: readonly LocalBroker[]
  /** Data, configs and logs of this cluster. */
  readonly dir: string
  /** Stops one broker; SIGTERM (default) escalates to SIGKILL if it does not exit in time. */
  stopBroker(nodeId: number, signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>
  /** Restarts a stopped broker on its data dir and waits until it is registered again. */
  startBroker(nodeId: number): Promise<void>
  /** Stops every node and deletes the data; idempotent. */
  stop(options?: { keepLogs?: boolean }): Promise<void>
}

const DEFAULT_READY_TIMEOUT_MS = 90_000
const ATTACH_TIMEOUT_MS = 15_000
const LOCK_TIMEOUT_MS = 180_000

function isBroker(node: NodeState): boolean {
  return node.role !== 'controller'
}

function launch(state: ClusterState, node: NodeState): void {
  node.pid = launchJava({
    classpath: state.classpath,
    heapMb: node.heapMb,
    log4jConfig: state.log4jConfig,
    logFile: node.logFile,
    outFile: node.outFile,
    mainClass: 'kafka.Kafka',
    args: [node.propsFile],
    detached: state.detached,
    jvmArgs: node.jmxPort == null ? [] : jmxArgs(node.jmxPort),
  })
}

/** Remote JMX on loopback only, without authentication or TLS (RMI on the same port). */
function jmxArgs(port: number): string[] {
  return [
    '-Dcom.sun.management.jmxremote',
    `-Dcom.sun.management.jmxremote.port=${port}`,
    `-Dcom.sun.management.jmxremote.rmi.port=${port}`,
    '-Dcom.sun.management.jmxremote.host=127.0.0.1',
    '-Dcom.sun.management.jmxremote.authenticate=false',
    '-Dcom.sun.management.jmxremote.ssl=false',
    '-Djava.rmi.server.hostname=127.0.0.1',
  ]
}

function keepLogsForced(): boolean {
  const v = process.env.SLUICE_KEEP_KAFKA_LOGS
  return v !== undefined && v !== '' && v !== '0'
}

function logFiles(state: ClusterState): string[] {
  return state.nodes.flatMap((n) => [n.logFile, n.outFile, n.propsFile])
}

/** Synchronous cleanup for process exit: the JVMs are already SIGKILLed by then. */
function cleanupAtExit(state: ClusterState): () => void {
  return () => {
    if (keepLogsForced()) {
      const target = join(repoRoot(), '.kafka-logs', `${Date.now()}-${state.name}`)
      mkdirSync(target, { recursive: true })
      for (const f of logFiles(state)) if (existsSync(f)) cpSync(f, join(target, basename(f)))
    }
    rmSync(state.dir, { recursive: true, force: true })
    const file = join(runDir(), `${state.name}.json`)
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as ClusterState).dir === state.dir) rmSync(file)
    } catch {}
  }
}

class LocalKafkaCluster implements KafkaCluster {
  readonly #state: ClusterState
  readonly brokers: readonly LocalBroker[]
  #stopping: Promise<void> | undefined
  #unregisterCleanup: () => void = () => {}

  constructor(state: ClusterState) {
    this.#state = state
    this.brokers = state.nodes.filter(isBroker).map((node) => ({
      nodeId: node.nodeId,
      host: '127.0.0.1',
      port: node.port!,
      listenerPorts: Object.freeze({ ...node.listenerPorts }),
      jmxPort: node.jmxPort ?? null,
      logFile: node.logFile,
      get running() {
        return isRunning(node.pid, node.propsFile)
      },
    }))
    if (!state.detached && state.owner === process.pid) this.#unregisterCleanup = atExit(cleanupAtExit(state))
  }

  get name(): string {
    return this.#state.name
  }
  get clusterId(): string {
    return this.#state.clusterId
  }
  get bootstrapServers(): string {
    return this.#state.bootstrapServers
  }
  get dir(): string {
    return this.#state.dir
  }

  #node(nodeId: number): NodeState {
    const node = this.#state.nodes.find((n) => n.nodeId === nodeId)
    if (node === undefined) throw new Error(`cluster ${this.name} has no node ${nodeId}`)
    return node
  }

  async #saveState(): Promise<void> {
    // Only while the state file still describes this cluster (it may have been stopped elsewhere).
    const current = await readState(this.name)
    if (current?.dir === this.dir) await writeState(this.#state)
  }

  async stopBroker(nodeId: number, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const node = this.#node(nodeId)
    await stopProcess(node.pid, node.propsFile, signal)
    node.pid = null
    await this.#saveState()
  }

  async startBroker(nodeId: number): Promise<void> {
    if (this.#stopping !== undefined) throw new Error(`cluster ${this.name} is stopped`)
    const node = this.#node(nodeId)
    if (!isRunning(node.pid, node.propsFile)) {
      launch(this.#state, node)
      await this.#saveState()
    }
    const running = this.#state.nodes.filter((n) => isRunning(n.pid, n.propsFile))
    const expected = running.filter(isBroker).map((n) => n.nodeId)
    // The restarted broker opens its client port only once unfenced; others must list it too.
    await waitReady([node], running.filter(isBroker), expected, DEFAULT_READY_TIMEOUT_MS)
  }

  stop(options: { keepLogs?: boolean } = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.keepLogs === true || keepLogsForced())
    return this.#stopping
  }

  async #stop(keep: boolean): Promise<void> {
    await withNameLock(this.name, LOCK_TIMEOUT_MS, () => stopNodes(this.#state, keep))
    this.#unregisterCleanup()
  }
}

/** Brokers first (their controlled shutdown needs the controller), then controllers. */
async function stopNodes(state: ClusterState, keep: boolean): Promise<string | undefined> {
  let kept: string | undefined
  const brokers = state.nodes.filter((n) => n.role === 'broker')
  const rest = state.nodes.filter((n) => n.role !== 'broker')
  try {
    await Promise.all(brokers.map((n) => stopProcess(n.pid, n.propsFile, 'SIGTERM', 15_000)))
    await Promise.all(rest.map((n) => stopProcess(n.pid, n.propsFile, 'SIGTERM', 15_000)))
  } finally {
    for (const n of state.nodes) n.pid = null
    if (keep && existsSync(state.dir)) {
      kept = await keepLogs(state.name, logFiles(state))
      process.stderr.write(`Kafka logs of ${state.name} kept in ${kept}\n`)
    }
    await rm(state.dir, { recursive: true, force: true })
    if ((await readState(state.name))?.dir === state.dir) await removeState(state.name)
  }
  return kept
}

/** The running cluster of that name if every node it expects is alive and a broker answers. */
async function attach(state: ClusterState): Promise<LocalKafkaCluster | undefined> {
  const expectedUp = state.nodes.filter((n) => n.pid !== null)
  if (expectedUp.length === 0 || !expectedUp.every((n) => isRunning(n.pid, n.propsFile))) return undefined
  const brokersUp = expectedUp.filter(isBroker)
  if (brokersUp.length === 0) return undefined
  try {
    await waitReady(expectedUp, brokersUp.slice(0, 1), [brokersUp[0]!.nodeId], ATTACH_TIMEOUT_MS)
  } catch {
    return undefined
  }
  return new LocalKafkaCluster(state)
}

function validName(name: string): string {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) throw new Error(`invalid cluster name '${name}'`)
  return name
}

/** Starts (or finds the running) local Kafka cluster and waits until all its brokers are ready. */
export async function startKafka(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const dist = await ensureKafka(options.kafkaVersion ?? brokerKafkaVersion())
  const name = validName(options.name ?? `sluice-${process.pid}-${randomBytes(3).toString('hex')}`)
  const brokers = options.brokers ?? 1
  return withNameLock(name, LOCK_TIMEOUT_MS, async () => {
    const existing = await readState(name)
    if (existing !== undefined) {
      const running = await attach(existing)
      if (running !== undefined) return running
      await stopNodes(existing, false) // stale: whatever is left of it goes
    }
    const state = await provision(dist, {
      name,
      brokers,
      autoCreateTopics: options.autoCreateTopics ?? false,
      brokerProperties: options.brokerProperties ?? {},
      baseDir: options.baseDir,
      heapMb: options.heapMb,
      detached: options.detached ?? false,
      ...(options.features === undefined ? {} : { features: options.features }),
      ...(options.listeners === undefined ? {} : { listeners: options.listeners }),
      ...(options.formatArgs === undefined ? {} : { formatArgs: options.formatArgs }),
      jmx: options.jmx ?? false,
    })
    const cluster = new LocalKafkaCluster(state)
    try {
      for (const node of state.nodes) launch(state, node)
      await writeState(state)
      const brokerNodes = state.nodes.filter(isBroker)
      await waitReady(
        state.nodes,
        brokerNodes,
        brokerNodes.map((n) => n.nodeId),
        options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      )
    } catch (err) {
      const kept = await stopNodes(state, true).catch(() => undefined)
      if (err instanceof Error && kept !== undefined) err.message += `\n(the logs are kept in ${kept})`
      throw err
    }
    return cluster
  })
}

/** The running cluster of that name, if any (for the CLI and scripts). */
export async function findKafka(name: string): Promise<KafkaCluster | undefined> {
  const state = await readState(validName(name))
  return state === undefined ? undefined : attach(state)
}

/** Stops the cluster of that name, running or not; false when there was no state for it. */
export async function stopKafka(name: string, options: { keepLogs?: boolean } = {}): Promise<boolean> {
  const state = await readState(validName(name))
  if (state === undefined) return false
  await new LocalKafkaCluster(state).stop(options)
  return true
}

export interface LocalClusterStatus {
  name: string
  bootstrapServers: string
  dir: string
  nodes: { nodeId: number; role: string; port: number | null; pid: number | null; running: boolean }[]
}

/** Every cluster with a state file, and which of its nodes are alive. */
export async function listKafka(): Promise<LocalClusterStatus[]> {
  return (await listStates()).map((s) => ({
    name: s.name,
    bootstrapServers: s.bootstrapServers,
    dir: s.dir,
    nodes: s.nodes.map((n) => ({
      nodeId: n.nodeId,
      role: n.role,
      port: n.port,
      pid: n.pid,
      running: isRunning(n.pid, n.propsFile),
    })),
  }))
}
