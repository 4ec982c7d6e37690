import { createHash } from 'node:crypto'
import type { Variant } from './experiment-types.js'

/**
 * Picks a variant for a user by weight, deterministically: the same experiment
 * and user always land in the same variant, on any instance and any backend,
 * so a lost assignment row (or a second server racing the first) never flips a user.
 */
export function pickVariant(experimentId: string, userId: string, variants: readonly Variant[]): Variant {
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0)
  if (total <= 0) throw new RangeError(`experiment ${experimentId} has no variant with a positive weight`)
  const digest = createHash('sha256').update(`${experimentId}\u0000${userId}`).digest()
  let bucket = digest.readUInt32BE(0) % total
  for (const variant of variants) {
    if (bucket < variant.weight) return variant
    bucket -= variant.weight
  }
  // Unreachable: bucket < total, and the weights sum to total.
  throw new Error('variant weights changed while picking')
}
