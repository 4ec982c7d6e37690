/** The example on the default memory store: real HTTP against the spawned compiled server. */
import { afterAll, beforeAll, describe } from 'vitest'
import { apiSuite } from './api-suite.js'
import { startServer, type RunningServer } from './run-server.js'

describe('health-api example, memory store', () => {
  let server: RunningServer | undefined
  beforeAll(async () => {
    server = await startServer({ CACHE_BACKEND: 'memory' })
  })
  afterAll(async () => {
    await server?.stop()
  })

  apiSuite('memory', () => {
    if (server === undefined) throw new Error('the server did not start')
    return server
  })
})
