/**
 * The package as others consume it: the built entry exports the public API,
 * and importing it loads no optional heavy dependency (Redis loads lazily).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )
}

describe('package', () => {
  it('imports redis only as types or lazily, so the root entry needs no Redis client', () => {
    const offenders = sourceFiles(join(root, 'src')).filter((file) => /^import\s+(?!type\b)[^;]*from\s+'(redis|@redis\/[^']+)'/m.test(readFileSync(file, 'utf8')))
    expect(offenders).toStrictEqual([])
  })

  it.runIf(existsSync(join(root, 'dist', 'index.js')))('built entry exports createCache and loads without redis', () => {
    const script = `
      const api = await import(${JSON.stringify(join(root, 'dist', 'index.js'))});
      const { createRequire } = await import('node:module');
      const cache = api.createCache({ logger: false });
      const value = await cache.getOrSet('a:b', () => 42);
      await cache.close();
      const loaded = Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('node_modules/@redis/'));
      console.log(JSON.stringify({ value, loaded, exports: Object.keys(api).sort() }));`
    const output = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as {
      value: number
      loaded: boolean
      exports: string[]
    }
    expect(output.value).toBe(42)
    expect(output.loaded).toBe(false)
    expect(output.exports).toEqual(expect.arrayContaining(['createCache', 'Cache', 'buildKey', 'cacheKey', 'errors', 'parseDuration']))
  })

  it.runIf(existsSync(join(root, 'dist', 'admin', 'index.js')))('mcp-cache/admin mounts the admin API and dashboard inside another app, and mcp-cache/mcp resolves, by package name', async () => {
    // Resolved through package.json "exports", as a user's app would.
    const script = `
      const { createCache } = await import('mcp-cache');
      const { createAdminApp } = await import('mcp-cache/admin');
      const { createToolCache, cacheHint } = await import('mcp-cache/mcp');
      if (typeof createToolCache !== 'function' || cacheHint('1m').ttlMs !== 60000) throw new Error('mcp-cache/mcp is incomplete');
      const { Hono } = await import('hono');
      const cache = createCache({ logger: false });
      const host = new Hono().route('/ops', createAdminApp({ cache, token: 'mounted-token-1' }));
      const stats = await host.request('/ops/stats', { headers: { authorization: 'Bearer mounted-token-1' } });
      const page = await host.request('/ops/dashboard/');
      await cache.close();
      console.log(JSON.stringify({ stats: stats.status, page: page.status, html: (await page.text()).includes('dashboard.js') }));`
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: root })
    expect(JSON.parse(output)).toStrictEqual({ stats: 200, page: 200, html: true })
  })
})
