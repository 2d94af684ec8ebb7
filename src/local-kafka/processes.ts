/**
 * Starting and stopping the JVMs of a local cluster by pid. Pids come from a state file, so a
 * pid is only signalled after checking its command line still names the node's properties file
 * (a recycled pid must never be killed).
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'

export interface JavaLaunch {
  classpath: string
  heapMb: number
  log4jConfig: string
  logFile: string
  /** Receives the JVM's own stdout/stderr (crashes, GC errors); the broker logs go to logFile. */
  outFile: string
  mainClass: string
  args: string[]
  detached: boolean
  /** More JVM options, before the class name. */
  jvmArgs?: readonly string[]
}

/** Children this process started attached; killed when it exits. */
const attached = new Set<number>()
const cleanups = new Set<() => void>()
let hooksInstalled = false

/**
 * Registers synchronous work (removing a data dir) to run after attached children are killed at
 * exit; returns a function that unregisters it.
 */
export function atExit(fn: () => void): () => void {
  cleanups.add(fn)
  return () => cleanups.delete(fn)
}

function killAttached(): void {
  for (const pid of attached) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
  attached.clear()
  for (const fn of cleanups) {
    try {
      fn()
    } catch {}
  }
  cleanups.clear()
}

function onSignal(signal: NodeJS.Signals): void {
  killAttached()
  removeHooks()
  // Re-raise so the default behaviour (or another handler) decides whether to exit.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

function installHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', killAttached)
  for (const s of SIGNALS) process.on(s, onSignal)
}

function removeHooks(): void {
  if (!hooksInstalled) return
  hooksInstalled = false
  process.off('exit', killAttached)
  for (const s of SIGNALS) process.off(s, onSignal)
}

export function launchJava(launch: JavaLaunch): number {
  const out = openSync(launch.outFile, 'a')
  try {
    const child = spawn(
      'java',
      [
        `-Xmx${launch.heapMb}m`,
        `-Xms${Math.min(launch.heapMb, 256)}m`,
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${launch.log4jConfig}`,
        `-Dsluice.logFile=${launch.logFile}`,
        ...(launch.jvmArgs ?? []),
        '-cp',
        launch.classpath,
        launch.mainClass,
        ...launch.args,
      ],
      { stdio: ['ignore', out, out], detached: launch.detached },
    )
    if (child.pid === undefined) throw new Error('could not start java (is it on PATH?)')
    const pid = child.pid
    child.on('error', () => {})
    if (launch.detached) {
      child.unref()
    } else {
      attached.add(pid)
      installHooks()
      child.on('exit', () => {
        attached.delete(pid)
        if (attached.size === 0) removeHooks()
      })
    }
    return pid
  } finally {
    closeSync(out)
  }
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.charAt(stat.lastIndexOf(')') + 2)
    return state !== 'Z' && state !== 'X'
  } catch (err) {
    // Without /proc (not Linux) the kill probe is all there is; on Linux a vanished entry means gone.
    return process.platform !== 'linux' && (err as NodeJS.ErrnoException).code !== 'ENOENT'
  }
}

/**
 * True when `pid` is alive and its command line contains `marker`. Only for identifying a pid
 * from a state file: a process that is exiting may already show an empty command line.
 */
export function isRunning(pid: number | null, marker: string): boolean {
  if (pid === null || pid <= 0 || !isAlive(pid)) return false
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)
  } catch {
    return process.platform !== 'linux' // no /proc: trust the pid
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Waits until the process is gone; false if it is still there after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false
    await sleep(50)
  }
  return true
}

/** Signals the process and waits for it to exit; SIGTERM escalates to SIGKILL after `graceMs`. */
export async function stopProcess(
  pid: number | null,
  marker: string,
  signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
  graceMs = 20_000,
): Promise<void> {
  if (pid === null || !isRunning(pid, marker)) return
  try {
    process.kill(pid, signal)
  } catch {}
  if (await waitForExit(pid, signal === 'SIGKILL' ? 30_000 : graceMs)) return
  try {
    process.kill(pid, 'SIGKILL')
  } catch {}
  if (!(await waitForExit(pid, 30_000))) throw new Error(`process ${pid} survived SIGKILL`)
}
