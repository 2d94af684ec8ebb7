/**
 * Fuzzing of every response decoder and of the frame decoder, with fast-check: random bytes,
 * the golden responses of test/fixtures/messages (every API, every version) mutated (bytes
 * overwritten, inserted, removed, lengths cut or grown), and streams of frames split at random
 * points or with a corrupt size prefix. The property is the same everywhere: a decode returns a
 * value or throws ProtocolError, nothing else (never a TypeError or a RangeError, never a hang,
 * never an allocation a corrupt length asks for). Used by decoders.test.ts (a seeded sample in
 * CI) and scripts/fuzz.ts (a million inputs per run).
 */
import fc from 'fast-check'
import { ProtocolError } from '../../src/errors.js'
import { FrameDecoder } from '../../src/network/frame-decoder.js'
import { APIS } from '../../src/protocol/apis.js'
import { type ApiDescriptor, decodeResponse } from '../../src/protocol/codec.js'
import { loadFixture } from '../protocol/messages/fixtures.js'

export interface Target {
  readonly name: string
  readonly api: ApiDescriptor<unknown, unknown>
  readonly version: number
  /** A valid response frame (correlation id, header, body) at that version. */
  readonly frame: Buffer
}

/** Every response sample of every API the producer decodes. */
export function responseTargets(): Target[] {
  const out: Target[] = []
  for (const api of APIS) {
    for (const s of loadFixture(api.response.name).samples) {
      out.push({
        name: `${api.response.name} v${s.version} ${s.variant}`,
        api,
        version: s.version,
        frame: Buffer.from(s.frame, 'hex'),
      })
    }
  }
  return out
}

export interface Tally {
  decoded: number
  rejected: number
}

/** Decodes `frame`; true if it decoded, false if a ProtocolError; anything else is thrown on. */
function tryDecode(t: Target, frame: Buffer, tally: Tally): boolean {
  try {
    decodeResponse(t.api, t.version, frame)
    tally.decoded++
    return true
  } catch (err) {
    if (err instanceof ProtocolError) {
      tally.rejected++
      return false
    }
    throw new Error(
      `${t.name}: ${frame.length}-byte frame ${frame.toString('hex').slice(0, 400)} threw ${err}`,
      {
        cause: err,
      },
    )
  }
}

export type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'remove'; at: number; count: number }
  | { kind: 'cut'; at: number }
  | { kind: 'extreme'; at: number; width: 1 | 2 | 4; value: 'max' | 'min' | 'minus1' | 'zero' }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('extreme' as const),
    at: fc.nat(),
    width: fc.constantFrom(1 as const, 2 as const, 4 as const),
    value: fc.constantFrom('max' as const, 'min' as const, 'minus1' as const, 'zero' as const),
  }),
)

/** Applies the mutations in order; positions wrap to the frame's length. Correlation id kept. */
export function mutate(frame: Buffer, mutations: readonly Mutation[]): Buffer {
  let b = Buffer.from(frame)
  for (const m of mutations) {
    if (b.length <= 4) break
    const at = 4 + (m.at % (b.length - 4))
    switch (m.kind) {
      case 'set':
        b[at] = m.byte
        break
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)])
        break
      case 'remove':
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + m.count))])
        break
      case 'cut':
        b = b.subarray(0, at)
        break
      case 'extreme': {
        if (at + m.width > b.length) break
        const v = { max: 0xff, min: 0x80, minus1: 0xff, zero: 0 }[m.value]
        b[at] = v
        for (let i = 1; i < m.width; i++) b[at + i] = m.value === 'min' || m.value === 'zero' ? 0 : 0xff
        if (m.value === 'max') b[at] = 0x7f
        break
      }
    }
  }
  return b
}

/** Property runs over every target: mutated golden frames and random ones. */
export function fuzzResponses(options: { runsPerTarget: number; seed: number }): Tally {
  const tally: Tally = { decoded: 0, rejected: 0 }
  const targets = responseTargets()
  targets.forEach((t, i) => {
    const correlation = t.frame.subarray(0, 4)
    fc.assert(
      fc.property(
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.array(mutation, { minLength: 1, maxLength: 6 }).map((ms) => mutate(t.frame, ms)),
          },
          {
            weight: 1,
            arbitrary: fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.concat([correlation, b])),
          },
        ),
        (frame) => {
          tryDecode(t, frame, tally)
        },
      ),
      { numRuns: options.runsPerTarget, seed: options.seed + i },
    )
  })
  return tally
}

/** A frame stream (size-prefixed frames) and how to cut it into chunks. */
const frameStream = fc.record({
  frames: fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 8 }),
  cuts: fc.array(fc.nat(), { maxLength: 10 }),
  corruptSize: fc.option(fc.record({ frame: fc.nat(), value: fc.integer() }), { freq: 3 }),
})

/**
 * The frame decoder over random chunkings: an intact stream gives back exactly its frames, a
 * stream with a corrupt size prefix gives the frames before it and then a ProtocolError or waits
 * for more bytes (a size that is merely larger). Never another error.
 */
export function fuzzFrames(options: { runs: number; seed: number; maxFrameBytes?: number }): number {
  const max = options.maxFrameBytes ?? 1024
  let checked = 0
  fc.assert(
    fc.property(frameStream, ({ frames, cuts, corruptSize }) => {
      const parts: Buffer[] = []
      let corruptAt = -1
      frames.forEach((f, i) => {
        const size = Buffer.alloc(4)
        let declared = f.length
        if (corruptSize !== null && corruptSize.frame % frames.length === i) {
          declared = corruptSize.value | 0
          corruptAt = i
        }
        size.writeInt32BE(declared, 0)
        parts.push(size, Buffer.from(f))
      })
      const stream = Buffer.concat(parts)
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
      const decoder = new FrameDecoder(max)
      const got: Buffer[] = []
      let failed: unknown = null
      let prev = 0
      try {
        for (const p of [...points, stream.length]) {
          decoder.push(stream.subarray(prev, p), (frame) => got.push(Buffer.from(frame)))
          prev = p
        }
      } catch (err) {
        failed = err
      }
      checked++
      if (failed !== null && !(failed instanceof ProtocolError)) throw failed
      if (corruptAt < 0 || frames[corruptAt]!.length === (corruptSize!.value | 0) >>> 0) {
        if (failed !== null) throw new Error(`an intact stream was refused: ${failed}`)
        if (got.length !== frames.length || got.some((g, i) => !g.equals(frames[i]!)))
          throw new Error('an intact stream did not give back its frames')
        return
      }
      // Everything before the corrupt size comes out intact.
      for (let i = 0; i < Math.min(corruptAt, got.length); i++)
        if (!got[i]!.equals(frames[i]!)) throw new Error(`frame ${i} before the corrupt size changed`)
      if (got.length < corruptAt && failed === null)
        throw new Error('frames before the corrupt size were lost')
    }),
    { numRuns: options.runs, seed: options.seed },
  )
  return checked
}
