/**
 * A minimal client for ClickHouse's HTTP interface, over `fetch`.
 *
 * Why not the official `@clickhouse/client`: it documents ClickHouse 24.8+,
 * and against the 18.16 server Debian ships its only way to bind values
 * (`{name:Type}` query parameters) fails with "Unknown setting param_id"
 * (parameters arrived in ClickHouse 19.x). Values would be quoted by hand with
 * it too, so a dependency would buy nothing here; the HTTP interface is stable
 * across every version.
 */

/** A refusal or failure reported by ClickHouse (or the connection to it). */
export class ClickHouseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ClickHouseError'
  }
}

/** One ClickHouse server and database, as CLICKHOUSE_URL names them. */
export interface ClickHouseHttp {
  /** The database every query runs in (the URL's path). */
  readonly database: string
  /** Runs a SELECT and returns its rows (64-bit integers arrive as strings: read them with Number). */
  query<Row>(sql: string): Promise<Row[]>
  /** Runs a statement that returns nothing (CREATE, ...); `inDatabase` false for CREATE DATABASE. */
  command(sql: string, inDatabase?: boolean): Promise<void>
  /** Inserts rows into `table` as JSONEachRow: values travel as JSON, never inside SQL text. */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Database used when CLICKHOUSE_URL has no path. */
export const DEFAULT_CLICKHOUSE_DATABASE = 'experiment_router'

/**
 * A ClickHouse string literal. Backslash and quote are the only characters
 * that end or escape a literal; every value that reaches SQL text passes here.
 */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/**
 * Parses `http://[user:password@]host:port[/database]`. The password goes in an
 * Authorization header (HTTP basic auth), never in a query string a proxy would log.
 */
export function connectClickHouse(url: string, timeoutMs = 5_000): ClickHouseHttp {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ClickHouseError('CLICKHOUSE_URL is not a URL: give http://host:8123/database')
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ClickHouseError(`CLICKHOUSE_URL must be http:// or https:// (the HTTP interface, port 8123 by default), got ${parsed.protocol}`)
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, '')) || DEFAULT_CLICKHOUSE_DATABASE
  if (!IDENTIFIER.test(database)) throw new ClickHouseError(`the database in CLICKHOUSE_URL must be a plain identifier (letters, digits, _), got '${database}'`)
  const headers: Record<string, string> = {}
  if (parsed.username !== '') {
    const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`
    headers['Authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`
  }
  const origin = parsed.origin

  /** POSTs `body` with `params`; resolves to the response text, throws ClickHouse's own message on an error status. */
  async function post(params: Record<string, string>, body: string): Promise<string> {
    let response: Response
    try {
      response = await fetch(`${origin}/?${new URLSearchParams(params).toString()}`, {
        method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)
      throw new ClickHouseError(`ClickHouse at ${origin} did not answer (${reason})`, { cause: error })
    }
    const text = await response.text()
    if (!response.ok) throw new ClickHouseError(`ClickHouse refused the query (HTTP ${response.status}): ${text.trim().slice(0, 500)}`)
    return text
  }

  return {
    database,
    async query<Row>(sql: string): Promise<Row[]> {
      const text = await post({ database }, `${sql}\nFORMAT JSON`)
      return (JSON.parse(text) as { data: Row[] }).data
    },
    async command(sql: string, inDatabase = true): Promise<void> {
      await post(inDatabase ? { database } : {}, sql)
    },
    async insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
      if (!IDENTIFIER.test(table)) throw new ClickHouseError(`not a table name: ${table}`)
      if (rows.length === 0) return
      await post({ database, query: `INSERT INTO ${table} FORMAT JSONEachRow` }, rows.map((row) => JSON.stringify(row)).join('\n'))
    },
  }
}
