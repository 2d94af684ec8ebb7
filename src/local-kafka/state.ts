/**
 * The state file of a named local cluster (`<cache root>/run/<name>.json`): everything needed to
 * find, restart or stop its processes from another Node process, e.g. the CLI.
 */
import { existsSync } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { kafkaCacheRoot } from './distribution.js'
import type { NodeRole } from './node-config.js'
import { isAlive } from './processes.js'

export interface NodeState {
  nodeId: number
  role: NodeRole
  port: number | null
  controllerPort: number | null
  /** Extra client listeners' ports by name (absent in state files of clusters without any). */
  listenerPorts?: Record<string, number>
  /** The JMX port, when the cluster was started with JMX on. */
  jmxPort?: number | null
  propsFile: string
  logFile: string
  outFile: string
  heapMb: number
  pid: number | null
}

export interface ClusterState {
  name: string
  dir: string
  clusterId: string
  classpath: string
  log4jConfig: string
  bootstrapServers: string
  detached: boolean
  /** Pid of the Node process that started the cluster. */
  owner: number
  nodes: NodeState[]
}

export function runDir(): string {
  return join(kafkaCacheRoot(), 'run')
}

function statePath(name: string): string {
  return join(runDir(), `${name}.json`)
}

export async function readState(name: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(statePath(name), 'utf8')) as ClusterState
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

export async function writeState(state: ClusterState): Promise<void> {
  await mkdir(runDir(), { recursive: true })
  const tmp = `${statePath(state.name)}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`)
  await rename(tmp, statePath(state.name))
}

export async function removeState(name: string): Promise<void> {
  await rm(statePath(name), { force: true })
}

export async function listStates(): Promise<ClusterState[]> {
  if (!existsSync(runDir())) return []
  const names = (await readdir(runDir())).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))
  const states = await Promise.all(names.map((n) => readState(n).catch(() => undefined)))
  return states.filter((s): s is ClusterState => s !== undefined)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Serializes starts and stops of one name across processes: an exclusive lock file holding the
 * holder's pid, taken over when that pid is gone.
 */
export async function withNameLock<T>(name: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  await mkdir(runDir(), { recursive: true })
  const lock = join(runDir(), `${name}.lock`)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const handle = await open(lock, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const holder = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10)
    if (Number.isFinite(holder) && holder !== process.pid && !isAlive(holder)) {
      await rm(lock, { force: true })
      continue
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lock} (held by ${holder})`)
    await sleep(100)
  }
  try {
    return await fn()
  } finally {
    await rm(lock, { force: true })
  }
}
