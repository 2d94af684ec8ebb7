/**
 * An independent reader of OpenMetrics text: the Prometheus project's own Python client
 * (prometheus_client.openmetrics.parser, which enforces the format's rules), installed once with
 * pip into ~/.cache/sluice/python. Tests that use it need python3 with pip; when either is
 * missing they fail, naming what to install.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const VERSION = '0.26.0'
const TARGET = join(homedir(), '.cache', 'sluice', 'python', `prometheus_client-${VERSION}`)

export interface ParsedSample {
  name: string
  labels: Record<string, string>
  /** A number, or the text 'NaN' / '+Inf' / '-Inf'. */
  value: number | string
}

export interface ParsedFamily {
  name: string
  type: string
  documentation: string
  samples: ParsedSample[]
}

async function ensureClient(): Promise<void> {
  if (existsSync(join(TARGET, 'prometheus_client'))) return
  await run(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--target',
      TARGET,
      `prometheus_client==${VERSION}`,
    ],
    {
      timeout: 300_000,
    },
  ).catch((err: Error) => {
    throw new Error(`cannot install prometheus_client with pip (python3 and pip are needed): ${err.message}`)
  })
}

const script = (module: string) => `
import json, math, sys
from ${module} import text_string_to_metric_families
def value(v):
    if math.isnan(v): return 'NaN'
    if math.isinf(v): return '+Inf' if v > 0 else '-Inf'
    return v
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({'name': f.name, 'type': f.type, 'documentation': f.documentation,
                'samples': [{'name': s.name, 'labels': s.labels, 'value': value(s.value)} for s in f.samples]})
print(json.dumps(out))
`

/** Parses `text` with the OpenMetrics parser; rejects with the parser's error if it breaks a rule. */
export function parseOpenMetrics(text: string): Promise<ParsedFamily[]> {
  return parse(text, 'prometheus_client.openmetrics.parser')
}

/** Parses `text` in Prometheus' text format 0.0.4 (what prom-client writes). */
export function parsePrometheusText(text: string): Promise<ParsedFamily[]> {
  return parse(text, 'prometheus_client.parser')
}

async function parse(text: string, module: string): Promise<ParsedFamily[]> {
  await ensureClient()
  return new Promise((resolve, reject) => {
    const child = execFile(
      'python3',
      ['-c', script(module)],
      { env: { ...process.env, PYTHONPATH: TARGET }, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err !== null)
          reject(new Error(`the OpenMetrics parser refused the text: ${stderr || err.message}`))
        else resolve(JSON.parse(stdout) as ParsedFamily[])
      },
    )
    child.stdin!.end(text)
  })
}
