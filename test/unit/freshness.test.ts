import { describe, expect, it } from 'vitest'
import { acceptFor, forbidsStoring, freshnessOf } from '../../src/mcp/freshness.js'

describe('caller-controlled freshness', () => {
  it('reads cacheMode and maxAgeMs from _meta, and names what is wrong', () => {
    expect(freshnessOf(undefined)).toStrictEqual({ mode: 'use' })
    expect(freshnessOf({ progressToken: 1 })).toStrictEqual({ mode: 'use' })
    expect(freshnessOf({ 'mcp-cache/cacheMode': 'bypass' })).toStrictEqual({ mode: 'bypass' })
    expect(freshnessOf({ 'mcp-cache/cacheMode': 'refresh' })).toStrictEqual({ mode: 'refresh' })
    expect(freshnessOf({ 'mcp-cache/maxAgeMs': 5000 })).toStrictEqual({ mode: 'use', maxAgeMs: 5000 })
    expect(freshnessOf({ 'mcp-cache/cacheMode': 'never' })).toStrictEqual({ problem: expect.stringContaining('must be "bypass" or "refresh" (got "never")') })
    for (const bad of [-1, '10', Number.NaN, null]) {
      expect(freshnessOf({ 'mcp-cache/maxAgeMs': bad }), String(bad)).toStrictEqual({ problem: expect.stringContaining('must be a number of milliseconds') })
    }
  })

  it('accepts entries by age, refuses all on refresh, any without a limit', () => {
    const storedAt = (value: unknown) => (value as { storedAt: number }).storedAt
    expect(acceptFor({ mode: 'use' }, storedAt)).toBeUndefined()
    expect(acceptFor({ mode: 'refresh' }, storedAt)?.({ storedAt: Date.now() })).toBe(false)
    const young = acceptFor({ mode: 'use', maxAgeMs: 1000 }, storedAt)
    expect(young?.({ storedAt: Date.now() - 10 })).toBe(true)
    expect(young?.({ storedAt: Date.now() - 5000 })).toBe(false)
    expect(acceptFor({ mode: 'use', maxAgeMs: 0 }, () => undefined)?.({})).toBe(false)
  })

  it('sees SEP-2419 no-cache hints on results', () => {
    expect(forbidsStoring({ content: [], _meta: { cache_hint: 'no-cache' } })).toBe(true)
    expect(forbidsStoring({ content: [], _meta: { cache_hint: 'cache' } })).toBe(false)
    expect(forbidsStoring({ content: [] })).toBe(false)
    expect(forbidsStoring(null)).toBe(false)
  })
})
