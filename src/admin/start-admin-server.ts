import { serve, type ServerType } from '@hono/node-server'
import type { Hono } from 'hono'
import type { AddressInfo } from 'node:net'

/** Serves an admin app on `host:port` (loopback by default); resolves once listening. */
export async function startAdminServer(app: Hono, port: number, host = '127.0.0.1'): Promise<{ server: ServerType; address: AddressInfo; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (address) => {
      resolve({
        server,
        address,
        close: () => new Promise<void>((done) => server.close(() => done())),
      })
    })
    server.once('error', reject)
  })
}
