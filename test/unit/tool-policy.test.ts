import { describe, expect, it } from 'vitest'
import { parseGatewayConfig } from '../../src/mcp/gateway-config.js'
import { decideToolCall, isCacheableResult, isRoundTripContinuation, keyArguments } from '../../src/mcp/tool-policy.js'

const config = parseGatewayConfig({
  defaults: { ttl: '5m', trustAnnotations: true, scope: 'user' },
  tools: {
    get_patient: { ttl: '10m', scope: 'user', keyArgs: ['station', 'dfn'] },
    lookup_icd10: { ttl: '1h', scope: 'shared' },
    update_patient: { invalidates: ['get_patient', 'get_patient_meds'] },
    send_email: { cache: false, dedupeWindow: '10s' },
    never: { cache: false },
  },
  lists: { ttl: '5m' },
})

const tool = (name: string, readOnlyHint?: boolean) => ({ name, definitionHash: 'h', annotations: readOnlyHint === undefined ? {} : { readOnlyHint } })

describe('tool call policy', () => {
  it('caches tools a rule names, with the rule TTL, scope and key arguments', () => {
    expect(decideToolCall(config, 'get_patient', undefined)).toStrictEqual({ cache: true, mode: 'cache', ttl: 600_000, scope: 'user', keyArgs: ['station', 'dfn'] })
    expect(decideToolCall(config, 'lookup_icd10', tool('lookup_icd10'))).toMatchObject({ cache: true, ttl: 3_600_000, scope: 'shared' })
  })

  it('caches read-only annotated tools only when annotations are trusted', () => {
    expect(decideToolCall(config, 'echo', tool('echo', true))).toMatchObject({ cache: true, ttl: 300_000, scope: 'user' })
    const distrust = parseGatewayConfig({ defaults: { trustAnnotations: false } })
    expect(decideToolCall(distrust, 'echo', tool('echo', true))).toStrictEqual({ cache: false, reason: 'not-read-only' })
  })

  it('never caches tools that are not read-only by default, nor ones a rule disables', () => {
    expect(decideToolCall(config, 'delete_file', tool('delete_file'))).toStrictEqual({ cache: false, reason: 'not-read-only' })
    expect(decideToolCall(config, 'update_patient', tool('update_patient', false))).toStrictEqual({ cache: false, reason: 'not-read-only' })
    expect(decideToolCall(config, 'never', tool('never', true))).toStrictEqual({ cache: false, reason: 'disabled' })
    expect(decideToolCall(config, 'unknown', undefined)).toStrictEqual({ cache: false, reason: 'not-read-only' })
  })

  it('answers repeats of a write within its dedupe window', () => {
    expect(decideToolCall(config, 'send_email', tool('send_email'))).toStrictEqual({ cache: true, mode: 'dedupe', ttl: 10_000, scope: 'user', keyArgs: undefined })
  })

  it('keys on the named arguments only, keeping absent apart from null', () => {
    expect(keyArguments({ station: 500, dfn: 1, verbose: true }, ['station', 'dfn'])).toStrictEqual({ station: { present: 500 }, dfn: { present: 1 } })
    expect(keyArguments({ station: null }, ['station'])).not.toStrictEqual(keyArguments({}, ['station']))
    expect(keyArguments({ a: 1 }, undefined)).toStrictEqual({ a: 1 })
  })

  it('stores only completed, non-error results', () => {
    expect(isCacheableResult({ content: [] })).toBe(true)
    expect(isCacheableResult({ content: [], isError: true })).toBe(false)
    expect(isCacheableResult({ resultType: 'input_required' })).toBe(false)
    expect(isRoundTripContinuation({ name: 'x', requestState: 'abc' })).toBe(true)
    expect(isRoundTripContinuation({ name: 'x', arguments: {} })).toBe(false)
  })

  it('names the wrong field of a bad config', () => {
    expect(() => parseGatewayConfig({ defaults: { scope: 'everyone' } })).toThrow(/defaults\.scope: must be 'user', 'tenant' \(needs auth\.jwt\.tenantClaim\) or 'shared'/)
    expect(() => parseGatewayConfig({ tools: { x: { ttl: 'soon' } } })).toThrow(/tools\.x\.ttl: must be a duration like/)
    expect(() => parseGatewayConfig({ tools: { x: { tll: '1m' } } })).toThrow(/tools\.x: unknown field\(s\) 'tll'/)
  })
})
