import { existsSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { redisUrl, uniquePrefix } from '../helpers/redis.js'
import { findFreePort, sendCommand, sendCommandWithTimeout, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'

/** True while a process with this PID exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('shared redis (global setup)', () => {
  it('answers PING and SET/GET under a unique prefix', async () => {
    const url = redisUrl()
    expect(url).toMatch(/^redis:\/\//)
    expect(await sendCommand(url, 'PING')).toBe('+PONG\r\n')
    const key = `${uniquePrefix('harness')}:k`
    expect(key).toMatch(/^test:harness:[0-9a-f]{12}:k$/)
    expect(await sendCommand(url, 'SET', key, 'héllo', 'PX', '10000')).toBe('+OK\r\n')
    expect(await sendCommand(url, 'GET', key)).toBe('$6\r\nhéllo\r\n')
    expect(await sendCommand(url, 'DEL', key)).toBe(':1\r\n')
  })
})

describe('private redis-server', () => {
  const servers: RedisServerHandle[] = []
  const start = async (args?: string[]): Promise<RedisServerHandle> => {
    const server = await startRedisServer({ args })
    servers.push(server)
    return server
  }
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()))
  })

  it('findFreePort returns a usable port', async () => {
    const port = await findFreePort()
    expect(port).toBeGreaterThan(0)
    expect(port).toBeLessThan(65536)
  })

  it('returns multi-part replies and errors as raw text', async () => {
    const server = await start()
    expect(await server.command('CONFIG', 'GET', 'appendonly')).toBe('*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n')
    expect(await server.command('GET', 'missing')).toBe('$-1\r\n')
    expect(await server.command('NOSUCHCOMMAND')).toMatch(/^-ERR unknown command/)
  })

  it('freeze makes PING time out and thaw makes it answer again', async () => {
    const server = await start()
    server.freeze()
    await expect(sendCommandWithTimeout(server.url, 300, 'PING')).rejects.toThrow(/timed out after 300 ms/)
    server.thaw()
    expect(await server.command('PING')).toBe('+PONG\r\n')
  })

  it('kill then restart reuses the port and dir (AOF survives with --appendonly yes)', async () => {
    const server = await start(['--appendonly', 'yes', '--appendfsync', 'always'])
    const { port, dir, pid } = server
    expect(await server.command('SET', 'k', 'v')).toBe('+OK\r\n')
    await server.kill()
    expect(alive(pid)).toBe(false)
    await expect(sendCommandWithTimeout(server.url, 300, 'PING')).rejects.toThrow()
    await server.restart()
    expect(server.port).toBe(port)
    expect(server.dir).toBe(dir)
    expect(server.pid).not.toBe(pid)
    expect(await server.command('GET', 'k')).toBe('$1\r\nv\r\n')
  })

  it('stop removes the temp dir and ends the process, even while frozen', async () => {
    const server = await start()
    const { dir, pid } = server
    expect(existsSync(dir)).toBe(true)
    server.freeze()
    await server.stop()
    expect(existsSync(dir)).toBe(false)
    expect(alive(pid)).toBe(false)
    await server.stop() // idempotent
  })

  it('fails fast with redis-server output on bad arguments', async () => {
    await expect(startRedisServer({ args: ['--no-such-option', 'x'] })).rejects.toThrow(/exited .*before answering PING[\s\S]*no-such-option/i)
  })
})
