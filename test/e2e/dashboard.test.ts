/** The dashboard in a real headless Chromium: beside `serve` on Redis, and on an in-process cache. */
import { statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdminApp } from '../../src/admin/admin-app.js'
import { startAdminServer } from '../../src/admin/start-admin-server.js'
import { createCache } from '../../src/cache/create-cache.js'
import { collectPageErrors, launchChromium } from '../helpers/browser.js'
import { CLI, COUNTING_SERVER, ROOT } from '../helpers/proxy-client.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

const TOKEN = 'dashboard-e2e-token-789'
const RESULTS = join(ROOT, 'test-results')

/** Opens the dashboard and signs in; resolves after its first successful refresh. */
async function openDashboard(page: Page, adminUrl: string, token = TOKEN): Promise<void> {
  await page.goto(`${adminUrl}/dashboard`)
  await page.fill('#token', token)
  await page.click('#login button')
  await page.waitForSelector('body[data-updates]', { state: 'attached' })
}

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim()

describe('dashboard in Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchChromium()
    await mkdir(RESULTS, { recursive: true })
  })
  afterAll(async () => {
    await browser?.close()
  })

  describe('beside serve with Redis', () => {
    let redis: RedisServerHandle
    let gateway: UrlProcess
    beforeAll(async () => {
      redis = await startRedisServer({ args: ['--maxmemory', '32mb', '--maxmemory-policy', 'allkeys-lru'] })
      gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--admin-port', '0', '--store', 'redis', '--redis-url', redis.url, '--', process.execPath, COUNTING_SERVER], { MCP_CACHE_ADMIN_TOKEN: TOKEN })
    })
    afterAll(async () => {
      await gateway?.stop()
      await redis?.stop()
    })

    it('asks for the token and refuses a wrong one', async () => {
      const page = await browser.newPage()
      await page.goto(`${gateway.adminUrl}/dashboard`)
      expect(await page.isVisible('#login')).toBe(true)
      expect(await page.isVisible('#board')).toBe(false)
      await page.fill('#token', 'not-the-token')
      await page.click('#login button')
      await expect.poll(() => text(page, '#login-error')).toContain('refused')
      expect(await page.isVisible('#board')).toBe(false)
      await page.close()
    })

    it('shows health, then traffic, hit rate, tools and invalidations as they happen, and saves a screenshot', { timeout: 60_000 }, async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } })
      const problems = collectPageErrors(page)
      await openDashboard(page, gateway.adminUrl ?? '')
      expect(await text(page, '#store')).toBe('redis')
      expect(await text(page, '#status')).toBe('ready')
      expect(await text(page, '#breaker')).toBe('closed')
      expect(await text(page, '#kpi-lookups')).toBe('0')
      expect(await text(page, '#tools tbody')).toContain('no tool calls yet')

      const client = new Client({ name: 'dashboard-e2e', version: '1.0.0' }, { capabilities: {} })
      // A caller with credentials: one without has no principal, and user-scoped tools bypass the cache for it.
      await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { requestInit: { headers: { authorization: 'Bearer dashboard-user' } } }))
      for (let i = 0; i < 30; i++) await client.callTool({ name: 'lookup_code', arguments: { code: `C${i % 6}` } })
      const invalidated = await fetch(`${gateway.adminUrl}/cache/invalidate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tools: ['lookup_code'] }),
      })
      expect(invalidated.status).toBe(200)
      await client.close()

      // The page polls every 2 s and the series is sampled every second.
      const shown = async () => ({
        lookups: await text(page, '#kpi-lookups'),
        hitRate: await text(page, '#kpi-hit-rate'),
        invalidated: (await text(page, '#invalidations tbody')).includes('admin API'),
        memoryShown: (await text(page, '#kpi-memory')).includes('MB'),
        saved: (await text(page, '#kpi-saved')).startsWith('24 calls · '),
      })
      await expect.poll(shown, { timeout: 15_000, interval: 250 }).toStrictEqual({ lookups: '30', hitRate: '80.0%', invalidated: true, memoryShown: true, saved: true })
      const toolRow = await text(page, '#tools tbody tr')
      expect(toolRow).toContain('lookup_code')
      expect(toolRow).toContain('80.0%') // 24 hits of 30 calls
      // A gateway's categories say little (every call is `call`): its savings per tool show instead.
      expect(await page.locator('#categories-panel').isHidden()).toBe(true)
      expect(await text(page, '#savings-scope')).toMatch(/^upstream /)
      const savingsRow = await page.locator('#savings tbody tr').first().locator('td').allTextContents()
      expect(savingsRow.slice(0, 2)).toStrictEqual(['lookup_code', '24'])
      expect(savingsRow[2]).toMatch(/^\d+\.\d+ s$/)
      // The time axis ticks whole seconds as a clock (HH:MM:SS), with no date line under them.
      const ticks = (await page.locator('#chart-ops').getAttribute('data-ticks')) ?? ''
      expect(ticks).toMatch(/\d\d:\d\d:\d\d/)
      expect(ticks).not.toMatch(/:\d\d\.\d{3}|\d{1,2}\/\d{1,2}\/\d{2}/)
      expect(await text(page, '#invalidations tbody')).toMatch(/generations\s*tool:lookup_code\s*all\s*admin API/)
      expect(await page.locator('#chart-ops canvas').count()).toBe(1)
      expect(await page.locator('#alerts li').count()).toBe(4)

      const screenshot = join(RESULTS, 'dashboard.png')
      await page.screenshot({ path: screenshot, fullPage: true })
      expect(statSync(screenshot).size).toBeGreaterThan(20_000)
      // CSP violations and script errors show up here.
      expect(problems).toStrictEqual([])
      await page.close()
    })
  })

  describe('on an in-process cache', () => {
    it('renders names from keys and tools as text, never as markup', { timeout: 30_000 }, async () => {
      const cache = createCache({ logger: false })
      const hostile = '<img src=x onerror="window.__xss=1">'
      const server = await startAdminServer(createAdminApp({ cache, token: TOKEN, toolStats: () => ({ [hostile]: { hit: 1, miss: 0, stale: 0, bypass: 0, error: 0, hitRate: 1, callsAvoided: 1, secondsSaved: 0.05, upstreamMedianMs: 50 } }) }), 0)
      try {
        await cache.getOrSet(`${hostile}:1`, () => 'value')
        const page = await browser.newPage()
        const problems = collectPageErrors(page)
        await openDashboard(page, `http://127.0.0.1:${server.address.port}`)
        expect(await text(page, '#store')).toBe('memory')
        expect(await text(page, '#breaker')).toBe('n/a')
        expect(await text(page, '#categories tbody td')).toBe(hostile)
        expect(await text(page, '#tools tbody td')).toBe(hostile)
        expect(await text(page, '#savings tbody td')).toBe(hostile)
        expect(await page.locator('table img').count()).toBe(0)
        expect(await page.evaluate('window.__xss')).toBeUndefined()
        expect(problems).toStrictEqual([])
        await page.close()
      } finally {
        await server.close()
        await cache.close()
      }
    })
  })
})
