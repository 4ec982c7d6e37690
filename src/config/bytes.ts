import { ConfigError } from '../errors.js'

/** A size: bytes as a number, or a string such as `'512kb'`, `'64mb'`, `'1gb'`. */
export type ByteSize = number | string

const UNIT_BYTES: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i

/** Turns a {@link ByteSize} into whole bytes; `field` names the option in the error. */
export function parseBytes(value: ByteSize, field = 'size'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(`${field} must be a non-negative number of bytes or a string like '64mb' (got ${String(value)})`)
    }
    return Math.floor(value)
  }
  const match = SIZE_PATTERN.exec(value.trim())
  if (!match) throw new ConfigError(`${field} must be a size like '512kb', '64mb' or '1gb' (got '${value}')`)
  return Math.floor(Number(match[1]) * (UNIT_BYTES[(match[2] as string).toLowerCase()] as number))
}
