/** Polling waits for long-running tests: bounds on waiting, never claims about speed. */

/** Polls `condition` every `intervalMs` until it holds; fails with `describe()` after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  describe: () => string,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
