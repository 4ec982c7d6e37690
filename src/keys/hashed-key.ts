import { createHmac } from 'node:crypto'
import { ConfigError } from '../errors.js'
import { assertCategory, type KeyPart } from './build-key.js'

/**
 * Returns a key builder that replaces every part with its HMAC, so record
 * numbers (a patient's DFN, a user's DUZ) never appear in key names, in
 * `SCAN` output or in monitoring: `hashed('patient', 'v1', 500, 100841)` gives
 * `patient:<h(v1)>:<h(500)>:<h(100841)>`. The category stays readable for
 * stats and TTL policy; equal parts still give equal segments, so
 * `deleteByPattern('patient:' + ...)` keeps working on hashed prefixes.
 */
export function createKeyHasher(secret: string | Buffer): (category: string, ...parts: KeyPart[]) => string {
  if (secret.length < 16) throw new ConfigError('the key-hashing secret must be at least 16 bytes (e.g. openssl rand -base64 32)')
  return (category, ...parts) => {
    assertCategory(category)
    let key = category
    for (const part of parts) key += `:${createHmac('sha256', secret).update(String(part)).digest('base64url').slice(0, 22)}`
    return key
  }
}
