import { describe, expect, it } from 'vitest'
import { fitToEra, isModernRequest } from '../../src/mcp/gateway/result-era.js'

const call = (meta?: unknown) => ({ jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 't', ...(meta === undefined ? {} : { _meta: meta }) } })

describe('protocol eras of cached tool results', () => {
  it('tells a 2026-07-28 request by the version in its _meta', () => {
    expect(isModernRequest(call({ 'io.modelcontextprotocol/protocolVersion': '2026-07-28' }))).toBe(true)
    expect(isModernRequest(call({ 'io.modelcontextprotocol/protocolVersion': '2025-11-25' }))).toBe(false)
    expect(isModernRequest(call({ progressToken: 1 }))).toBe(false)
    expect(isModernRequest(call())).toBe(false)
  })

  it('adds resultType for 2026 clients and drops a complete one for earlier clients', () => {
    const legacy = { content: [{ type: 'text', text: 'x' }] }
    const modern = { ...legacy, resultType: 'complete' }
    expect(fitToEra(legacy, true)).toStrictEqual(modern)
    expect(fitToEra(modern, true)).toBe(modern)
    expect(fitToEra(modern, false)).toStrictEqual(legacy)
    expect(fitToEra(legacy, false)).toBe(legacy)
  })

  it('leaves a result that is not complete as it is', () => {
    const pending = { resultType: 'input_required', inputRequests: {} }
    expect(fitToEra(pending, false)).toBe(pending)
    expect(fitToEra(pending, true)).toBe(pending)
  })
})
