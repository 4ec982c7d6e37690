/**
 * A TCP proxy between the cache and Redis that misbehaves on demand: added
 * latency, a blackhole (bytes accepted, nothing delivered), reset connections,
 * or half-open ones (the peer is gone but no FIN or RST ever arrives).
 */
import net from 'node:net'

/**
 * How the proxy treats traffic now. `blackhole` holds bytes back and delivers
 * them when the fault ends, as TCP does over a stalled path (it never loses
 * bytes on a live connection); `half-open` drops them for good.
 */
export type FaultMode = { kind: 'pass' } | { kind: 'latency'; ms: number } | { kind: 'blackhole' } | { kind: 'half-open' }

/** A running fault proxy. */
export interface FaultProxy {
  readonly url: string
  readonly port: number
  /** Changes how traffic is treated from now on (existing connections included). */
  set(mode: FaultMode): void
  /** Resets every open connection with an RST. */
  resetAll(): void
  close(): Promise<void>
}

/** Starts a proxy on a free loopback port that forwards to `target` (host:port). */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let mode: FaultMode = { kind: 'pass' }
  const sockets = new Set<net.Socket>()
  // Connections caught by a half-open fault stay dead after it ends, as with a vanished host.
  const dead = new WeakSet<net.Socket>()
  const held: Array<() => void> = []
  const forward = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk) => {
      if (dead.has(from) || dead.has(to)) return
      if (mode.kind === 'blackhole') {
        held.push(() => to.writable && to.write(chunk))
        return
      }
      if (mode.kind === 'latency') {
        const delay = mode.ms
        setTimeout(() => to.writable && to.write(chunk), delay)
      } else if (to.writable) to.write(chunk)
    })
  }
  const server = net.createServer((client) => {
    if (mode.kind === 'half-open') {
      // A host that vanished: the connection hangs, no answer, no error.
      dead.add(client)
      sockets.add(client)
      client.on('close', () => sockets.delete(client))
      client.on('error', () => undefined)
      return
    }
    const upstream = net.connect(targetPort, '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => undefined)
    }
    forward(client, upstream)
    forward(upstream, client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    set: (next) => {
      mode = next
      if (next.kind === 'half-open') for (const socket of sockets) dead.add(socket)
      if (next.kind !== 'blackhole') for (const deliver of held.splice(0)) deliver()
    },
    resetAll: () => {
      for (const socket of sockets) socket.resetAndDestroy()
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
