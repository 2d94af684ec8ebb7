/** Records per topic by Kafka's own GetOffsetShell: the sum of its partitions' end offsets. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const execFileP = promisify(execFile)

/** Every topic matching `topicPattern` (a Java regex) with its end offsets summed. */
export async function endOffsetTotals(
  classpath: string,
  bootstrap: string,
  topicPattern: string,
): Promise<Map<string, number>> {
  const args = ['-cp', classpath, 'org.apache.kafka.tools.GetOffsetShell', '--bootstrap-server', bootstrap]
  const { stdout } = await execFileP('java', [...args, '--topic', topicPattern], {
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  })
  const totals = new Map<string, number>()
  for (const line of stdout.trim().split('\n')) {
    const m = /^(.*):(\d+):(\d+)$/.exec(line.trim())
    if (m !== null) totals.set(m[1]!, (totals.get(m[1]!) ?? 0) + Number(m[3]))
  }
  return totals
}
