import { existsSync, readFileSync } from 'node:fs'
import { copyFile, mkdir, readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The last `lines` lines of a file, or a note that it does not exist. */
export async function tail(file: string, lines = 40): Promise<string> {
  try {
    const text = await readFile(file, 'utf8')
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
  } catch {
    return `(no ${file})`
  }
}

/** The checkout this module lives in (found by its package.json), or the working directory. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sluice') return dir
      } catch {}
    }
    const parent = dirname(dir)
    if (parent === dir) return process.cwd()
    dir = parent
  }
}

/** Copies `files` to `<repo>/.kafka-logs/<timestamp>-<name>/`; returns that folder. */
export async function keepLogs(name: string, files: string[]): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const target = join(repoRoot(), '.kafka-logs', `${stamp}-${name}`)
  await mkdir(target, { recursive: true })
  for (const file of files) {
    if (existsSync(file)) await copyFile(file, join(target, basename(file)))
  }
  return target
}
