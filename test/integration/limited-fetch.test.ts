/** The upstream message limit over real HTTP: whole JSON bodies, and event streams event by event. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { limitedFetch } from '../../src/mcp/transports/limited-fetch.js'

const event = (data: string) => `event: message\ndata: ${data}\n\n`

describe('limitedFetch', () => {
  let server: Server
  let url = ''
  beforeAll(async () => {
    // /many: 50 events of 100 bytes (5 KB in all); /big: one event of 3 KB; /json: a 3 KB JSON body.
    server = createServer((req, res) => {
      if (req.url === '/json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ x: 'j'.repeat(3000) }))
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      if (req.url === '/big') return void res.end(event('b'.repeat(3000)))
      let sent = 0
      const timer = setInterval(() => {
        res.write(event('m'.repeat(80)))
        if (++sent === 50) {
          clearInterval(timer)
          res.end()
        }
      }, 1)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const post = { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 41, method: 'tools/call', params: {} }) }

  it('lets a stream of small events through, however long, and fails the request of a large one at once', async () => {
    const oversized: Array<[unknown, string]> = []
    const fetchLimited = limitedFetch(1000, (id, problem) => oversized.push([id, problem]))
    const many = await (await fetchLimited(`${url}/many`, post)).text()
    expect(many.split('\n\n').filter(Boolean)).toHaveLength(50)
    expect(oversized).toStrictEqual([])
    await expect((await fetchLimited(`${url}/big`, post)).text()).rejects.toThrow()
    await expect((await fetchLimited(`${url}/json`, post)).text()).rejects.toThrow()
    expect(oversized).toStrictEqual([
      [41, expect.stringContaining('maxUpstreamMessageBytes')],
      [41, expect.stringContaining('maxUpstreamMessageBytes')],
    ])
  })

  it('cuts the GET stream too, with no request to fail', async () => {
    const oversized: unknown[] = []
    const response = await limitedFetch(1000, (id) => oversized.push(id))(`${url}/big`, { method: 'GET' })
    await expect(response.text()).rejects.toThrow()
    expect(oversized).toStrictEqual([])
  })
})
