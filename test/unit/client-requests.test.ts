/** A session's register of client requests: one answer each, ids never shared, a cancelled request's late handler silent. */
import { describe, expect, it } from 'vitest'
import { ClientRequests } from '../../src/mcp/gateway/client-requests.js'
import type { JsonRpcRequest } from '../../src/mcp/jsonrpc.js'

const request = (id: string | number): JsonRpcRequest => ({ jsonrpc: '2.0', id, method: 'tools/call' })

describe('client requests', () => {
  it('refuses an id in flight, and lets it go once answered', () => {
    const requests = new ClientRequests()
    const first = request(1)
    expect(requests.admit(first)).toBe(true)
    expect(requests.admit(request(1))).toBe(false)
    expect(requests.admit(request('1'))).toBe(true) // '1' is another id
    expect(requests.complete(first)).toBe(true)
    expect(requests.complete(first)).toBe(false) // one answer only
    expect(requests.admit(request(1))).toBe(true)
  })

  it('never lets a cancelled request answer, or unregister, the one that reused its id', () => {
    const requests = new ClientRequests()
    const old = request(5)
    requests.admit(old)
    const cancelled: string[] = []
    expect(requests.cancel(5)).toBe(true)
    const reused = request(5)
    expect(requests.admit(reused)).toBe(true)
    expect(requests.onCancel(old, () => cancelled.push('old'))).toBe(false) // cancelled already: cancels at once
    expect(cancelled).toStrictEqual(['old'])
    expect(requests.complete(old)).toBe(false)
    expect(requests.isCurrent(reused)).toBe(true)
    expect(requests.complete(reused)).toBe(true)
  })

  it('reserves ids for requests still in a transport, and ignores cancellations of ids that are no ids', () => {
    const requests = new ClientRequests()
    const token = requests.reserve(7)
    expect(token).toBeTypeOf('symbol')
    expect(requests.reserve(7)).toBeUndefined()
    expect(requests.has(7)).toBe(true)
    expect(requests.admit(request(7))).toBe(true) // the reservation was for it
    expect(requests.admit(request(7))).toBe(false)
    const later = requests.reserve(9) as symbol
    requests.release(9, token as symbol) // another holder's token: the reservation stays
    expect(requests.has(9)).toBe(true)
    requests.release(9, later)
    expect(requests.has(9)).toBe(false)
    for (const id of [{ toString: 1 }, null, undefined, [7]]) expect(requests.cancel(id)).toBe(false)
    expect(requests.size).toBe(1)
  })
})
