/** Reads Kafka's JSON message specs out of the kafka-clients jar. */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ensureKafka } from '../../../src/local-kafka/distribution.js'

const run = promisify(execFile)

export interface SpecField {
  name: string
  type: string
  versions: string
  nullableVersions?: string
  tag?: number
  taggedVersions?: string
  default?: string | number | boolean
  fields?: SpecField[]
}

export interface MessageSpec {
  apiKey: number
  type: string
  name: string
  validVersions: string
  flexibleVersions: string
  latestVersionUnstable?: boolean
  fields: SpecField[]
  commonStructs?: { name: string; versions: string; fields: SpecField[] }[]
}

export async function readSpec(name: string): Promise<MessageSpec> {
  const { version, libDir } = await ensureKafka()
  const jar = join(libDir, `kafka-clients-${version}.jar`)
  const { stdout } = await run('unzip', ['-p', jar, `common/message/${name}.json`], { maxBuffer: 8 << 20 })
  // The specs carry a license header and notes as whole-line // comments.
  const json = stdout
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('//'))
    .join('\n')
  return JSON.parse(json) as MessageSpec
}
