import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { Context, Hono } from 'hono'

/**
 * The dashboard's static files. The page holds no data and needs no token: it
 * asks for the token, keeps it in sessionStorage, and reads the bearer-protected
 * API (`/stats/series`, `/stats`, `/health/ready`, `/invalidations`). Every file
 * is served from this package (uPlot from node_modules), so it works offline.
 */
const require = createRequire(import.meta.url)
const ASSETS: Readonly<Record<string, { path: string; type: string }>> = {
  'index.html': { path: fileURLToPath(new URL('./assets/index.html', import.meta.url)), type: 'text/html; charset=utf-8' },
  'dashboard.js': { path: fileURLToPath(new URL('./assets/dashboard.js', import.meta.url)), type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { path: fileURLToPath(new URL('./assets/dashboard.css', import.meta.url)), type: 'text/css; charset=utf-8' },
  'vendor/uPlot.iife.min.js': { path: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'vendor/uPlot.min.css': { path: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
}

// Only this origin's files and API: no inline script, no third party, no framing.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

/**
 * Adds the dashboard to `app`: `/dashboard/` and its files. `/dashboard`
 * redirects to `dashboard/`, so the page's relative URLs work wherever the admin
 * app is mounted.
 */
export function addDashboardRoutes(app: Hono): void {
  const loaded = new Map<string, string>()
  const serve = (c: Context, name: string, cacheControl: string) => {
    // Own keys only: `constructor` or `__proto__` must not resolve to an inherited value.
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined
    if (asset === undefined) return c.json({ error: `no dashboard file ${name}` }, 404)
    let text = loaded.get(name)
    if (text === undefined) {
      text = readFileSync(asset.path, 'utf8')
      loaded.set(name, text)
    }
    return c.body(text, 200, { ...SECURITY_HEADERS, 'content-type': asset.type, 'cache-control': cacheControl })
  }

  app.get('/dashboard', (c) => c.redirect('dashboard/', 308))
  app.get('/dashboard/', (c) => serve(c, 'index.html', 'no-store'))
  app.get('/dashboard/*', (c) => serve(c, c.req.path.slice(c.req.path.lastIndexOf('/dashboard/') + '/dashboard/'.length), 'no-cache'))
}
