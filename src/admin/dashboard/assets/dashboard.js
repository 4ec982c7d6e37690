// @ts-check
// The mcp-cache dashboard: polls the admin API every two seconds and draws
// what it returns. Type-checked by tsconfig.dashboard.json; no build step.
'use strict'
;(() => {
  /** @typedef {{ t: number, hits: number, lookups: number, opsPerSecond: number, hitsPerSecond: number, missesPerSecond: number, stalePerSecond: number, errorsPerSecond: number, hitRate: number | null, p50Ms: number | null, p99Ms: number | null, memoryBytes: number | null, memoryMaxBytes: number | null }} SeriesPoint */
  /** @typedef {{ callsAvoided: number, secondsSaved: number }} Savings */
  /** @typedef {{ hits: number, misses: number, stale: number, errors: number, hitRate: number, savings?: Savings, origin?: { p50: number, p99: number, count: number } }} CategoryStats */
  /** @typedef {{ hit: number, miss: number, stale: number, bypass: number, error: number, hitRate: number, callsAvoided?: number, secondsSaved?: number, upstreamMedianMs?: number, costSaved?: number }} ToolStats */
  /** @typedef {Savings & { costSaved: number, costUnit: string }} ToolSavings */
  /** @typedef {CategoryStats & { byCategory: Record<string, CategoryStats>, tools?: Record<string, ToolStats>, toolSavings?: ToolSavings, upstream?: string }} Stats */
  /** @typedef {{ status: string, store: string, latencyMs?: number, breaker?: string, alerts: Array<{ name: string, firing: boolean, detail: string }>, reasons: string[] }} Health */
  /** @typedef {{ at: number, kind: string, target: string, deleted: number, reason?: string }} Invalidation */

  const TOKEN_KEY = 'mcp-cache-admin-token'
  const POLL_MS = 2000
  const WINDOW_MS = 60_000
  // The API sits beside /dashboard/, wherever the admin app is mounted.
  const API = new URL('../', window.location.href)
  const UPlot = /** @type {typeof import('uplot')} */ (/** @type {any} */ (window).uPlot)

  /** @param {string} id */
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id))

  class Unauthorized extends Error {}

  /** @param {string} path */
  async function api(path) {
    const response = await fetch(new URL(path, API), { headers: { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}` }, cache: 'no-store' })
    if (response.status === 401) throw new Unauthorized('wrong token')
    return response.json()
  }

  /** Tick steps of the time axis, in seconds. */
  const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]
  /** A time-axis label: the local clock time of `t` seconds since the epoch. @param {number} t */
  const clock = (t) => new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })

  /** Keeps the labels drawn on the canvas in `data-ticks` too, where tests and assistive tools can read them. @param {HTMLElement} element @param {string[]} labels */
  function showTicks(element, labels) {
    element.dataset['ticks'] = labels.join(' ')
    return labels
  }

  // Charts: x is seconds (uPlot's time unit); null leaves a gap.
  /** @param {string} id @param {Array<{ label: string, stroke: string }>} lines @param {import('uplot').Scale} [y] */
  function chart(id, lines, y) {
    const element = $(id)
    return new UPlot(
      {
        width: element.clientWidth || 400,
        height: 200,
        // At least a minute wide, so a few seconds of data do not stretch into half-second ticks.
        scales: { x: { time: true, range: (_u, min, max) => [Math.min(min, max - 60), max] }, ...(y === undefined ? {} : { y }) },
        // Whole seconds, as a clock: no date line under the ticks to collide with them.
        axes: [{ incrs: TIME_STEPS, space: 70, values: (_u, splits) => showTicks(element, splits.map(clock)) }, {}],
        series: [{}, ...lines.map((line) => ({ ...line, width: 2, spanGaps: false }))],
        legend: { live: false },
      },
      [[]],
      element,
    )
  }

  /** @type {Record<string, import('uplot')> | undefined} */
  let charts
  function createCharts() {
    charts = {
      hitRate: chart('chart-hit-rate', [{ label: 'hit rate', stroke: '#1f9d6b' }], { range: [0, 100] }),
      ops: chart('chart-ops', [
        { label: 'all', stroke: '#3b6fd8' },
        { label: 'hits', stroke: '#1f9d6b' },
        { label: 'misses', stroke: '#c98a00' },
        { label: 'stale', stroke: '#8e59c9' },
        { label: 'errors', stroke: '#d64545' },
      ]),
      latency: chart('chart-latency', [
        { label: 'p50', stroke: '#3b6fd8' },
        { label: 'p99', stroke: '#d64545' },
      ]),
      memory: chart('chart-memory', [
        { label: 'used', stroke: '#3b6fd8' },
        { label: 'max', stroke: '#98a2b3' },
      ]),
    }
    window.addEventListener('resize', () => {
      for (const [name, plot] of Object.entries(charts ?? {})) plot.setSize({ width: $(`chart-${name === 'hitRate' ? 'hit-rate' : name}`).clientWidth, height: 200 })
    })
  }

  /** @type {SeriesPoint[]} */
  let points = []

  /** @param {SeriesPoint[]} fresh */
  function drawSeries(fresh) {
    points = [...points, ...fresh].slice(-300)
    if (charts === undefined) return
    const x = points.map((p) => p.t / 1000)
    /** @param {(p: SeriesPoint) => number | null} pick */
    const column = (pick) => points.map(pick)
    const mb = (/** @type {number | null} */ bytes) => (bytes === null ? null : Math.round((bytes / 1048576) * 100) / 100)
    charts['hitRate']?.setData([x, column((p) => (p.hitRate === null ? null : p.hitRate * 100))])
    charts['ops']?.setData([x, column((p) => p.opsPerSecond), column((p) => p.hitsPerSecond), column((p) => p.missesPerSecond), column((p) => p.stalePerSecond), column((p) => p.errorsPerSecond)])
    charts['latency']?.setData([x, column((p) => p.p50Ms), column((p) => p.p99Ms)])
    charts['memory']?.setData([x, column((p) => mb(p.memoryBytes)), column((p) => (p.memoryMaxBytes ? mb(p.memoryMaxBytes) : null))])

    const last = points.at(-1)
    if (last === undefined) return
    // Hit rate over the last minute, weighted by lookups, not an average of rates.
    const recent = points.filter((p) => p.t > last.t - WINDOW_MS)
    const hits = recent.reduce((sum, p) => sum + p.hits, 0)
    const lookups = recent.reduce((sum, p) => sum + p.lookups, 0)
    $('kpi-hit-rate').textContent = lookups === 0 ? '–' : percent(hits / lookups)
    $('kpi-ops').textContent = number(last.opsPerSecond)
    const withLatency = [...recent].reverse().find((p) => p.p50Ms !== null)
    $('kpi-latency').textContent = withLatency === undefined ? '–' : `${ms(withLatency.p50Ms)} / ${ms(withLatency.p99Ms)}`
    $('kpi-memory').textContent = last.memoryBytes === null ? 'unknown' : `${bytes(last.memoryBytes)}${last.memoryMaxBytes ? ` / ${bytes(last.memoryMaxBytes)}` : ''}`
  }

  /** @param {Stats} stats */
  function drawStats(stats) {
    $('kpi-lookups').textContent = number(stats.hits + stats.misses + stats.stale)
    $('kpi-errors').textContent = number(stats.errors)
    const tools = Object.entries(stats.tools ?? {})
      .map(([name, t]) => ({ name, calls: t.hit + t.miss + t.stale + t.bypass + t.error, ...t }))
      .sort((a, b) => b.calls - a.calls)
      .slice(0, 10)
    fillTable('tools', tools.map((t) => [t.name, number(t.calls), number(t.hit), number(t.miss), number(t.bypass), bar(t.hitRate, t.hit + t.miss + t.stale), seconds(t.secondsSaved ?? 0)]), 'no tool calls yet (tools appear when a gateway is attached)')
    $('kpi-saved').textContent = saved(stats.toolSavings ?? stats.savings)
    // The origin's own time, apart from the cache's (it is inside every miss the callers saw).
    $('kpi-origin').textContent = stats.origin === undefined || stats.origin.count === 0 ? '–' : `${ms(stats.origin.p50)} / ${ms(stats.origin.p99)}`
    const categories = Object.entries(stats.byCategory)
      .map(([name, c]) => ({ name, lookups: c.hits + c.misses + c.stale, ...c }))
      .sort((a, b) => b.lookups - a.lookups)
      .slice(0, 10)
    fillTable('categories', categories.map((c) => [c.name, number(c.lookups), number(c.hits), number(c.misses), bar(c.hitRate, c.lookups)]), 'no lookups yet')
    drawSavings(stats)
  }

  /**
   * Savings per tool on a gateway (whose categories say little: every call is `call`), else per
   * category. @param {Stats} stats
   */
  function drawSavings(stats) {
    const gateway = stats.tools !== undefined
    $('categories-panel').hidden = gateway
    $('savings-name').textContent = gateway ? 'tool' : 'category'
    $('savings-scope').textContent = gateway ? `upstream ${stats.upstream ?? ''}` : 'origin calls'
    const unit = stats.toolSavings?.costUnit ?? ''
    const rows = gateway
      ? Object.entries(stats.tools ?? {}).map(([name, t]) => ({ name, avoided: t.callsAvoided ?? 0, seconds: t.secondsSaved ?? 0, median: t.upstreamMedianMs ?? 0, cost: t.costSaved }))
      : Object.entries(stats.byCategory).map(([name, c]) => ({ name, avoided: c.savings?.callsAvoided ?? 0, seconds: c.savings?.secondsSaved ?? 0, median: c.origin?.p50 ?? 0, cost: undefined }))
    const top = rows.filter((r) => r.avoided > 0).sort((a, b) => b.seconds - a.seconds || b.avoided - a.avoided).slice(0, 10)
    fillTable('savings', top.map((r) => [r.name, number(r.avoided), seconds(r.seconds), ms(r.median), r.cost === undefined ? '–' : `${r.cost.toFixed(r.cost < 1 ? 4 : 2)} ${unit}`]), 'nothing saved yet: savings come with hits')
  }

  /** @param {Health} health */
  function drawHealth(health) {
    $('store').textContent = health.store
    const status = $('status')
    status.textContent = health.status
    status.className = `pill ${health.status}`
    $('breaker').textContent = health.breaker ?? 'n/a'
    $('store-latency').textContent = health.latencyMs === undefined ? 'no answer' : ms(health.latencyMs)
    const reasons = $('reasons')
    reasons.hidden = health.reasons.length === 0
    reasons.textContent = health.reasons.join(' · ')
    const list = $('alerts')
    list.replaceChildren(
      ...health.alerts.map((alert) => {
        const item = document.createElement('li')
        item.className = alert.firing ? 'firing' : ''
        item.textContent = `${alert.name}: ${alert.detail}`
        return item
      }),
    )
  }

  /** @param {{ recent: Invalidation[] }} feed */
  function drawInvalidations(feed) {
    const rows = feed.recent.slice(0, 15).map((i) => [new Date(i.at).toLocaleTimeString(), i.kind, { text: i.target, className: 'target' }, i.kind === 'generations' ? 'all' : number(i.deleted), i.reason ?? ''])
    fillTable('invalidations', rows, 'no invalidations yet')
  }

  // Cells are text (never HTML): tool names and keys come from outside.
  /** @typedef {string | { text: string, className: string } | HTMLElement} Cell */
  /** @param {string} id @param {Cell[][]} rows @param {string} empty */
  function fillTable(id, rows, empty) {
    const body = /** @type {HTMLTableSectionElement} */ ($(id).querySelector('tbody'))
    const columns = $(id).querySelectorAll('th').length
    if (rows.length === 0) {
      const cell = document.createElement('td')
      cell.colSpan = columns
      cell.className = 'empty'
      cell.textContent = empty
      body.replaceChildren(row([cell]))
      return
    }
    body.replaceChildren(...rows.map((cells) => row(cells.map(toCell))))
  }

  /** @param {HTMLElement[]} cells */
  function row(cells) {
    const tr = document.createElement('tr')
    tr.append(...cells)
    return tr
  }

  /** @param {Cell} cell */
  function toCell(cell) {
    if (cell instanceof HTMLElement) return cell
    const td = document.createElement('td')
    if (typeof cell === 'string') td.textContent = cell
    else {
      td.textContent = cell.text
      td.className = cell.className
    }
    return td
  }

  /** A hit-rate cell with a bar behind the number. @param {number} rate @param {number} lookups */
  function bar(rate, lookups) {
    const td = document.createElement('td')
    td.className = 'bar'
    const fill = document.createElement('i')
    fill.style.width = `${Math.round(rate * 100)}%`
    const label = document.createElement('span')
    label.textContent = lookups === 0 ? '–' : percent(rate)
    td.append(fill, label)
    return td
  }

  /** What caching spared: a gateway's upstream (with money when tools have a cost), else the cache's origin. @param {Savings | ToolSavings | undefined} savings */
  function saved(savings) {
    if (savings === undefined) return '–'
    const money = 'costUnit' in savings && savings.costSaved > 0 ? ` · ${savings.costSaved.toFixed(savings.costSaved < 1 ? 4 : 2)} ${savings.costUnit}` : ''
    return `${number(savings.callsAvoided)} calls · ${seconds(savings.secondsSaved)}${money}`
  }
  const seconds = (/** @type {number} */ value) => (value < 60 ? `${value.toFixed(value < 10 ? 2 : 1)} s` : `${(value / 60).toFixed(1)} min`)
  const percent = (/** @type {number} */ rate) => `${(rate * 100).toFixed(1)}%`
  const number = (/** @type {number} */ n) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 }))
  const ms = (/** @type {number | null} */ value) => (value === null ? '–' : value < 1 ? `${Math.round(value * 1000)} µs` : `${value.toFixed(value < 10 ? 2 : 0)} ms`)
  /** @param {number} n */
  function bytes(n) {
    const units = ['B', 'KB', 'MB', 'GB']
    let value = n
    let unit = 0
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024
      unit++
    }
    return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
  }

  let lastPoint = 0
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer

  let polling = false

  async function refresh() {
    // One polling loop only: a submit while a refresh is in flight leaves the loop to it.
    if (polling) return
    polling = true
    clearTimeout(timer)
    try {
      const [series, stats, health, invalidations] = await Promise.all([api(`stats/series?since=${lastPoint}`), api('stats'), api('health/ready'), api('invalidations')])
      showBoard()
      drawSeries(series.points)
      lastPoint = points.at(-1)?.t ?? lastPoint
      drawStats(stats)
      drawHealth(health)
      drawInvalidations(invalidations)
      $('updated').textContent = new Date().toLocaleTimeString()
      document.body.dataset['updates'] = String(Number(document.body.dataset['updates'] ?? 0) + 1)
    } catch (error) {
      if (error instanceof Unauthorized) return showLogin('That token was refused; check MCP_CACHE_ADMIN_TOKEN.')
      $('updated').textContent = `admin API unreachable (${error instanceof Error ? error.message : String(error)})`
    } finally {
      polling = false
    }
    timer = setTimeout(refresh, POLL_MS)
  }

  function showBoard() {
    if (!$('board').hidden) return
    $('login').hidden = true
    $('board').hidden = false
    if (charts === undefined) createCharts()
  }

  /** @param {string} message */
  function showLogin(message) {
    clearTimeout(timer)
    sessionStorage.removeItem(TOKEN_KEY)
    $('board').hidden = true
    $('login').hidden = false
    $('login-error').textContent = message
    $('token').focus()
  }

  $('login').addEventListener('submit', (event) => {
    event.preventDefault()
    sessionStorage.setItem(TOKEN_KEY, /** @type {HTMLInputElement} */ ($('token')).value)
    $('login-error').textContent = ''
    void refresh()
  })

  if (sessionStorage.getItem(TOKEN_KEY) === null) showLogin('')
  else void refresh()
})()
