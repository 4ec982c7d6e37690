import type { VariantAnalytics } from './experiment-types.js'

/**
 * The arithmetic every analytics source shares, so SQL and ClickHouse print
 * the same figures from the same counts.
 */

/** Sums of floating-point amounts, rounded to cents so every backend prints the same figure. */
export function roundMoney(amount: number): number {
  return Math.round(amount * 100) / 100
}

/** One variant's line of the daily analytics, from its raw counts. */
export function variantAnalytics(
  variantId: string, assignedUsers: number, events: number, convertedUsers: number, revenue: number,
): VariantAnalytics {
  return {
    variantId, assignedUsers, events, convertedUsers,
    conversionRate: assignedUsers === 0 ? 0 : Math.round((convertedUsers / assignedUsers) * 10_000) / 10_000,
    revenue: roundMoney(revenue),
  }
}
