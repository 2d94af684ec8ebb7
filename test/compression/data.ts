/** Deterministic test payloads. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 0x100000000
  }
}

export function randomBytes(n: number, seed = 1): Buffer {
  const r = prng(seed)
  const b = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0
  return b
}

export function repetitiveBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) b[i] = 'abcabcabd'.charCodeAt(i % 9)
  return b
}

/** Records-like JSON: shared keys and vocabulary, varying ids and numbers. */
export function jsonRecords(n: number, seed = 7): Buffer {
  const r = prng(seed)
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel']
  const parts: string[] = []
  let size = 0
  for (let i = 0; size < n; i++) {
    const s = `{"id":${i},"user":"user-${(r() * 5000) | 0}","event":"${words[(r() * 8) | 0]}","amount":${(r() * 1e6).toFixed(2)},"tags":["${words[(r() * 8) | 0]}","${words[(r() * 8) | 0]}"],"ok":${r() < 0.5}}\n`
    parts.push(s)
    size += s.length
  }
  return Buffer.from(parts.join('')).subarray(0, n)
}

export const SIZES = [0, 1, 100, 65535, 65536, 65537, 1024 * 1024]

export const KINDS: Record<string, (n: number) => Buffer> = {
  random: (n) => randomBytes(n, n + 1),
  repetitive: repetitiveBytes,
  json: jsonRecords,
}
