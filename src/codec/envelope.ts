/**
 * The bytes of one StoredEntry in Redis: a 24-byte header, then the value as
 * UTF-8 tagged JSON, deflated when that pays off.
 *
 *   0  0xFF 0x4D   magic; 0xFF never occurs in UTF-8, so no text value (nor a counter) looks like an entry
 *   2  version     1
 *   3  flags       bit0 deflate-raw, bit1 tagged JSON, bit2 AES-256-GCM (see encryption.ts)
 *   4  freshUntil  float64 BE
 *  12  expiresAt   float64 BE
 *  20  length      uint32 BE, bytes of payload that follow
 *  24  payload
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { CacheError, errors, isCacheError } from '../errors.js'
import type { StoredEntry } from '../stores/store.js'
import { decryptPayload, encryptPayload, type Keyring } from './encryption.js'
import { decodeValue, encodeValue } from './tagged-json.js'

/** Tunables of `encodeEntry`. */
export interface CodecOptions {
  /** Payloads of at least this many bytes are deflated (kept only when it saves 10% or more). */
  readonly compressThreshold: number
  /** Largest encoded entry accepted, header included; larger ones throw E_ENTRY_TOO_LARGE. */
  readonly maxEntryBytes: number
  /** Encrypts payloads at rest when set. */
  readonly keyring?: Keyring
}

/** Defaults: compress from 4 KiB, refuse entries over 1 MiB. */
export const defaultCodecOptions: CodecOptions = { compressThreshold: 4096, maxEntryBytes: 1_048_576 }

/** Bytes before the payload. */
export const HEADER_BYTES = 24
/** The header bytes an encrypted payload authenticates: all but the length (which changes with sealing). */
const AAD_BYTES = 20

const MAGIC_0 = 0xff
const MAGIC_1 = 0x4d
const VERSION = 1
const FLAG_DEFLATE = 0b001
const FLAG_TAGGED = 0b010
const FLAG_ENCRYPTED = 0b100
const KNOWN_FLAGS = FLAG_DEFLATE | FLAG_TAGGED | FLAG_ENCRYPTED
/** Compression must bring the payload to at most this share of its size. */
const MIN_COMPRESSION_GAIN = 0.9
/** Caps inflation, so a damaged or hostile payload cannot balloon into gigabytes. */
const MAX_INFLATED_BYTES = 256 * 1024 * 1024
/** Redis integers are int64: a sign and at most 19 digits (20 allows one leading zero). */
const MAX_COUNTER_CHARS = 21

function tooLarge(size: number, options: CodecOptions): CacheError {
  return new CacheError(
    errors.E_ENTRY_TOO_LARGE,
    `entry is ${size} bytes encoded, over the limit of ${options.maxEntryBytes} bytes; ` +
      'cache a smaller value or raise the `maxEntryBytes` option',
  )
}

/**
 * Encodes an entry to its Redis bytes. Throws E_UNSERIALIZABLE for values that
 * cannot be cached and E_ENTRY_TOO_LARGE past `options.maxEntryBytes`.
 * Small results may share Node's buffer pool: copy them before keeping them long.
 */
export function encodeEntry(entry: StoredEntry, options: CodecOptions): Buffer {
  return frameEntry(encodeValue(entry.value), entry, options)
}

/** A value as JSON text, and whether that text carries type tags (see encodeValue). */
export interface EncodedValue {
  readonly text: string
  readonly tagged: boolean
}

/**
 * The encoded size of a value kept uncompressed, header included; throws
 * E_ENTRY_TOO_LARGE past `maxEntryBytes` (the memory store's measure and limit).
 */
export function plainEntryBytes(encoded: EncodedValue, maxEntryBytes: number): number {
  const size = HEADER_BYTES + Buffer.byteLength(encoded.text, 'utf8')
  if (size > maxEntryBytes) throw tooLarge(size, { compressThreshold: Number.POSITIVE_INFINITY, maxEntryBytes })
  return size
}

/**
 * The Redis bytes of a value encoded already (by the tiered store's L1 copy, so
 * the value is stringified once for both tiers), with the entry's times.
 */
export function frameEntry({ text, tagged }: EncodedValue, times: Pick<StoredEntry, 'freshUntil' | 'expiresAt'>, options: CodecOptions): Buffer {
  const textBytes = Buffer.byteLength(text, 'utf8')
  let flags = tagged ? FLAG_TAGGED : 0
  let out: Buffer
  const deflated = textBytes >= options.compressThreshold ? deflateIfWorthIt(text, textBytes, options) : undefined
  if (deflated !== undefined && deflated.length <= textBytes * MIN_COMPRESSION_GAIN) {
    flags |= FLAG_DEFLATE
    if (HEADER_BYTES + deflated.length > options.maxEntryBytes) throw tooLarge(HEADER_BYTES + deflated.length, options)
    out = Buffer.allocUnsafe(HEADER_BYTES + deflated.length)
    deflated.copy(out, HEADER_BYTES)
  } else {
    if (HEADER_BYTES + textBytes > options.maxEntryBytes) throw tooLarge(HEADER_BYTES + textBytes, options)
    // Sized first, then written in place: one UTF-8 pass into the final buffer, no intermediate copy.
    out = Buffer.allocUnsafe(HEADER_BYTES + textBytes)
    out.write(text, HEADER_BYTES, textBytes, 'utf8')
  }
  if (options.keyring !== undefined) flags |= FLAG_ENCRYPTED
  out[0] = MAGIC_0
  out[1] = MAGIC_1
  out[2] = VERSION
  out[3] = flags
  out.writeDoubleBE(times.freshUntil, 4)
  out.writeDoubleBE(times.expiresAt, 12)
  if (options.keyring === undefined) {
    out.writeUInt32BE(out.length - HEADER_BYTES, 20)
    return out
  }
  const header = out.subarray(0, AAD_BYTES)
  const sealed = encryptPayload(out.subarray(HEADER_BYTES), options.keyring, header)
  if (HEADER_BYTES + sealed.length > options.maxEntryBytes) throw tooLarge(HEADER_BYTES + sealed.length, options)
  const encrypted = Buffer.allocUnsafe(HEADER_BYTES + sealed.length)
  out.copy(encrypted, 0, 0, AAD_BYTES)
  encrypted.writeUInt32BE(sealed.length, 20)
  sealed.copy(encrypted, HEADER_BYTES)
  return encrypted
}

/** Bytes of a large payload deflated first to estimate its compressibility. */
const SAMPLE_BYTES = 64 * 1024

/**
 * zlib level 3, not the default 6: on 100 KB of JSON records it deflated 2.4x and
 * inflated 2x as fast for 1.5% more bytes (0.064 against 0.063 of the input).
 */
const DEFLATE = { level: 3 } as const

/**
 * Deflates a payload, unless a sample shows it would not fit anyway (throws
 * E_ENTRY_TOO_LARGE at once) or would not shrink (returns undefined). Deflating
 * megabytes blocks the event loop for tens of milliseconds; a value that can
 * never be cached must not cost every other caller that.
 */
function deflateIfWorthIt(text: string, textBytes: number, options: CodecOptions): Buffer | undefined {
  if (textBytes > SAMPLE_BYTES * 2) {
    const sample = Buffer.from(text.slice(0, SAMPLE_BYTES), 'utf8')
    const ratio = deflateRawSync(sample, DEFLATE).length / sample.length
    if (ratio > MIN_COMPRESSION_GAIN) {
      if (HEADER_BYTES + textBytes > options.maxEntryBytes) throw tooLarge(HEADER_BYTES + textBytes, options)
      return undefined
    }
    // Projected with some margin: refuse only what clearly cannot fit.
    if (HEADER_BYTES + textBytes * ratio * 0.8 > options.maxEntryBytes) throw tooLarge(Math.round(HEADER_BYTES + textBytes * ratio), options)
  }
  return deflateRawSync(text, DEFLATE)
}

function corrupt(message: string): CacheError {
  return new CacheError(errors.E_CORRUPT_ENTRY, message)
}

/** Reads a plain ASCII integer, as Redis INCRBY stores it, as a counter entry that never expires by itself. */
function counterEntry(bytes: Buffer): StoredEntry {
  const start = bytes[0] === 0x2d ? 1 : 0
  let digits = bytes.length > start && bytes.length <= MAX_COUNTER_CHARS
  for (let i = start; digits && i < bytes.length; i++) digits = bytes[i]! >= 0x30 && bytes[i]! <= 0x39
  if (!digits) throw corrupt('not an mcp-cache entry (wrong magic bytes) nor an integer counter')
  const text = bytes.toString('latin1')
  const n = Number(text)
  return { value: Number.isSafeInteger(n) ? n : BigInt(text), freshUntil: Infinity, expiresAt: Infinity }
}

/**
 * Decodes bytes made by `encodeEntry`, or an integer counter written by Redis
 * INCRBY. Any other input throws CacheError E_CORRUPT_ENTRY, and nothing else.
 */
export function decodeEntry(bytes: Buffer, keyring?: Keyring): StoredEntry {
  try {
    if (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) return counterEntry(bytes)
    if (bytes.length < HEADER_BYTES) throw corrupt(`entry is truncated: ${bytes.length} bytes, less than its header`)
    if (bytes[2] !== VERSION) throw corrupt(`unknown entry format version ${bytes[2]}`)
    const flags = bytes[3]!
    if ((flags & FLAG_ENCRYPTED) === 0 && keyring !== undefined && !keyring.allowPlaintext) {
      throw corrupt('entry is not encrypted but encryption is required (set encryption.allowPlaintext while migrating)')
    }
    if ((flags & ~KNOWN_FLAGS) !== 0) throw corrupt(`unknown entry flags 0x${flags.toString(16)}`)
    const payloadBytes = bytes.readUInt32BE(20)
    if (bytes.length !== HEADER_BYTES + payloadBytes) {
      throw corrupt(`entry length mismatch: header says ${payloadBytes} payload bytes, found ${bytes.length - HEADER_BYTES}`)
    }
    const payload = (flags & FLAG_ENCRYPTED) !== 0 ? decryptPayload(bytes.subarray(HEADER_BYTES), keyring, bytes.subarray(0, AAD_BYTES)) : bytes.subarray(HEADER_BYTES)
    const text =
      (flags & FLAG_DEFLATE) !== 0 ? inflateRawSync(payload, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8') : payload.toString('utf8')
    return {
      value: decodeValue(text, (flags & FLAG_TAGGED) !== 0),
      freshUntil: bytes.readDoubleBE(4),
      expiresAt: bytes.readDoubleBE(12),
    }
  } catch (error) {
    if (isCacheError(error, errors.E_CORRUPT_ENTRY)) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw new CacheError(errors.E_CORRUPT_ENTRY, `entry cannot be decoded: ${reason}`, { cause: error })
  }
}
