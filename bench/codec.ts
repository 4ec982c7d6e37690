/**
 * Codec benchmark: our envelope (encodeEntry/decodeEntry) against msgpackr, on
 * a ~1 KB patient-like record, the same with Dates, and a ~100 KB list of them.
 * Also prints which exactness cases each codec gets wrong: speed only counts
 * for a codec that gives the value back.
 *
 * Run: `npm run bench:codec`. It installs msgpackr without saving it (msgpackr's
 * optional native packages are not all on every registry, which breaks `npm ci`
 * when they sit in the lockfile), compiles with tsc and runs the emitted file.
 */
import { decodeEntry, defaultCodecOptions, encodeEntry } from '../src/codec/envelope.js'
import type { StoredEntry } from '../src/stores/store.js'

const ROUNDS = 15
const WARMUP_ROUNDS = 2
const SLICE_MS = 25

interface Codec {
  readonly name: string
  encode(entry: StoredEntry): Uint8Array
  decode(bytes: Uint8Array): StoredEntry
}

function ours(name: string, compressThreshold: number): Codec {
  const options = { ...defaultCodecOptions, compressThreshold, maxEntryBytes: 64 * 1024 * 1024 }
  return { name, encode: (entry) => encodeEntry(entry, options), decode: (bytes) => decodeEntry(bytes as Buffer) }
}

/** The part of msgpackr's API used here; it is loaded at run time, not a dependency. */
interface PackrOptions {
  moreTypes?: boolean
  useRecords?: boolean
  structuredClone?: boolean
  useBigIntExtension?: boolean
}
const { Packr } = (await import('msgpackr' as string)) as {
  Packr: new (options: PackrOptions) => { pack(value: unknown): Uint8Array; unpack(bytes: Uint8Array): unknown }
}

function msgpackr(name: string, options: PackrOptions): Codec {
  const packr = new Packr(options)
  // Copied out: pack() may return a view on a buffer it reuses, and a store keeps the bytes.
  return { name, encode: (entry) => Buffer.from(packr.pack(entry)), decode: (bytes) => packr.unpack(bytes) as StoredEntry }
}

/** The options the brief suggested, and the most exact set found (records keep Maps, big BigInts get an extension). */
const MSGPACKR_SUGGESTED: PackrOptions = { moreTypes: true, useRecords: false, structuredClone: false }
const MSGPACKR_EXACTEST: PackrOptions = { moreTypes: true, useRecords: true, useBigIntExtension: true }

/** Baseline: what plain JSON costs, and loses. */
const plainJson: Codec = {
  name: 'plain JSON (lossy)',
  encode: (entry) => Buffer.from(JSON.stringify(entry)),
  decode: (bytes) => JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredEntry,
}

const codecs: Codec[] = [
  plainJson,
  ours('mcp-cache', defaultCodecOptions.compressThreshold),
  ours('mcp-cache, no deflate', Infinity),
  msgpackr('msgpackr suggested', MSGPACKR_SUGGESTED),
  msgpackr('msgpackr exactest', MSGPACKR_EXACTEST),
]

// --- data -------------------------------------------------------------------

function patient(i: number, withDates: boolean): Record<string, unknown> {
  const day = (offset: number): string | Date =>
    withDates ? new Date(Date.UTC(1980, 0, 1) + (i * 7919 + offset) * 86_400_000) : `19${80 + (i % 20)}-0${1 + (offset % 9)}-1${offset % 10}`
  return {
    id: `patient-${i}`,
    mrn: `MRN${100_000 + i * 37}`,
    active: i % 5 !== 0,
    name: { given: ['Ada', i % 2 === 0 ? 'Marie' : 'Grace'], family: `Lovelace-${i % 97}` },
    birthDate: day(1),
    address: [{ line: [`${i + 12} Analytical Engine St`], city: 'London', postalCode: `NW${i % 9} 2DB`, country: 'GB' }],
    telecom: [
      { system: 'phone', value: `+44 20 7946 ${String(i).padStart(4, '0')}`, use: 'home' },
      { system: 'email', value: `patient${i}@example.org` },
    ],
    conditions: [
      { code: 'E11.9', display: 'Type 2 diabetes mellitus without complications', onset: day(2), severity: 2 },
      { code: 'I10', display: 'Essential (primary) hypertension', onset: day(3), severity: 1 },
    ],
    observations: [
      { code: '4548-4', display: 'Hemoglobin A1c', value: 6.1 + (i % 30) / 10, unit: '%', at: day(4) },
      { code: '8480-6', display: 'Systolic blood pressure', value: 118 + (i % 40), unit: 'mm[Hg]', at: day(5) },
      { code: '39156-5', display: 'Body mass index', value: 21.4 + (i % 13) / 3, unit: 'kg/m2', at: day(6) },
    ],
    allergies: ['penicillin', 'latex'],
    careTeam: [{ role: 'primary', name: 'Dr. Charles Babbage', since: day(7) }],
    version: 3 + (i % 4),
    riskScore: 0.3 + (i % 50) / 100,
  }
}

const manyPatients = { total: 95, patients: Array.from({ length: 95 }, (_, i) => patient(i, false)) }

const datasets: Array<{ name: string; value: unknown }> = [
  { name: '1 KB JSON', value: patient(1, false) },
  { name: '1 KB + Dates', value: patient(1, true) },
  { name: '100 KB JSON', value: manyPatients },
]

// --- exactness --------------------------------------------------------------

/** Same value, class, -0, holes, key and Map/Set order; enough to judge a round trip. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b)
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime())
  if (a instanceof Uint8Array) return Buffer.compare(a, b as Uint8Array) === 0
  if (a instanceof Map || a instanceof Set) return same([...a.entries()], [...(b as Set<unknown>).entries()])
  if (Array.isArray(a)) {
    const other = b as unknown[]
    if (a.length !== other.length) return false
    for (let i = 0; i < a.length; i++) if (i in a !== i in other || !same(a[i], other[i])) return false
    return true
  }
  const keys = Object.keys(a)
  const record = b as Record<string, unknown>
  return keys.join('\0') === Object.keys(b).join('\0') && keys.every((k) => same((a as Record<string, unknown>)[k], record[k]))
}

const holed: unknown[] = new Array(2)
holed[1] = 1
const exactnessCases: Record<string, unknown> = {
  'Date': new Date(1_700_000_000_123),
  'invalid Date': new Date(NaN),
  'BigInt 12n': 12n,
  'BigInt 2^100': 2n ** 100n,
  'Buffer': Buffer.from([1, 2, 3]),
  'Uint8Array': new Uint8Array([1, 2, 3]),
  'Map, object keys': new Map<unknown, unknown>([[{ k: 1 }, 'v'], ['s', new Set([1])]]),
  'Set': new Set([1, 'a', { b: 2 }]),
  'undefined property': { a: undefined, b: 1 },
  'undefined element': [undefined, 1],
  'array hole': holed,
  'NaN, ±Infinity': [NaN, Infinity, -Infinity],
  '-0': -0,
  'tag-like object': { '~t': 'date', v: 1 },
  'lone surrogate': 'a\ud800b',
  'integer 2^53+2': 2 ** 53 + 2,
}

function failures(codec: Codec): string[] {
  const failed: string[] = []
  for (const [name, value] of Object.entries(exactnessCases)) {
    try {
      if (!same(codec.decode(codec.encode({ value, freshUntil: 1, expiresAt: 2 })).value, value)) failed.push(name)
    } catch {
      failed.push(`${name} (throws)`)
    }
  }
  return failed
}

// --- timing -----------------------------------------------------------------

let sink = 0

/** Operations per second of `action`, run repeatedly for about SLICE_MS. */
function opsPerSecond(action: () => number): number {
  let count = 0
  const started = performance.now()
  let elapsed: number
  do {
    for (let i = 0; i < 8; i++) sink += action()
    count += 8
    elapsed = performance.now() - started
  } while (elapsed < SLICE_MS)
  return (count / elapsed) * 1000
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

interface Row {
  dataset: string
  codec: string
  bytes: number
  encode: number
  decode: number
}

/** Every (dataset, codec) pair, measured once per round; rounds interleave all pairs, order rotating. */
function measureAll(): Row[] {
  const pairs = datasets.flatMap((dataset) => {
    const entry: StoredEntry = { value: dataset.value, freshUntil: Date.now() + 60_000, expiresAt: Date.now() + 120_000 }
    return codecs.map((codec) => ({ dataset, codec, entry, bytes: codec.encode(entry), encode: [] as number[], decode: [] as number[] }))
  })
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    // Drift, GC and JIT phases then hit every codec alike, and warm-up covers all shapes first.
    for (let k = 0; k < pairs.length; k++) {
      const pair = pairs[(k + round) % pairs.length]!
      const encodeRate = opsPerSecond(() => pair.codec.encode(pair.entry).length)
      const decodeRate = opsPerSecond(() => (pair.codec.decode(pair.bytes).expiresAt > 0 ? 1 : 0))
      if (round >= WARMUP_ROUNDS) {
        pair.encode.push(encodeRate)
        pair.decode.push(decodeRate)
      }
    }
  }
  return pairs.map((pair) => ({
    dataset: pair.dataset.name,
    codec: pair.codec.name,
    bytes: pair.bytes.length,
    encode: median(pair.encode),
    decode: median(pair.decode),
  }))
}

function printTable(rows: Row[]): void {
  const pad = (text: string, width: number): string => text.padStart(width)
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
  console.log(
    `${'dataset'.padEnd(14)}${'codec'.padEnd(24)}${pad('bytes', 8)}${pad('encode ops/s', 14)}${pad('decode ops/s', 14)}` +
      `${pad('enc vs exactest', 17)}${pad('dec vs exactest', 17)}`,
  )
  for (const row of rows) {
    const base = rows.find((r) => r.dataset === row.dataset && r.codec === 'msgpackr exactest')!
    console.log(
      `${row.dataset.padEnd(14)}${row.codec.padEnd(24)}${pad(String(row.bytes), 8)}${pad(fmt(row.encode), 14)}` +
        `${pad(fmt(row.decode), 14)}${pad(`${(row.encode / base.encode).toFixed(2)}x`, 17)}${pad(`${(row.decode / base.decode).toFixed(2)}x`, 17)}`,
    )
  }
}

console.log(`Node ${process.version}; ${ROUNDS} interleaved rounds of ${SLICE_MS} ms per codec and operation, medians.\n`)
console.log('Exactness (cases a codec does not give back exactly):')
for (const codec of codecs) {
  const failed = failures(codec)
  console.log(`  ${codec.name.padEnd(24)}${failed.length === 0 ? 'all exact' : failed.join(', ')}`)
}
console.log('')
printTable(measureAll())
if (sink === 0) console.log('(unreachable: keeps results alive)')
