/**
 * The seed's `get_user_preferences(user_id)` as `GET /api/v1/users/{user_id}/preferences`,
 * and `PUT` on the same path to set them. They live under `user:{user_id}:preferences`
 * with the `user` category's TTL, the user-session TTL (CACHE_TTL_USER_SESSION, 1 h):
 * as in the seed, the cache is their only home, so after the TTL the GET answers 404.
 */
import type { Context } from 'hono'
import { Hono } from 'hono'
import { userPreferencesKey } from './medinsight-keys.js'
import { readBody } from './request-body.js'
import { describeIssues, userId, userPreferences, type UserPreferences } from './request-schemas.js'
import type { Services } from './services.js'

/** What is stored per user. */
interface StoredPreferences {
  readonly preferences: UserPreferences
  readonly updated_at: string
}

/** The user routes, to mount under `/api/v1/users`. */
export function userRoutes({ cache }: Services): Hono {
  const app = new Hono()

  app.get('/:user_id/preferences', async (c) => {
    const id = pathUserId(c)
    if (typeof id !== 'string') return id
    const stored = await cache.get<StoredPreferences>(userPreferencesKey(id))
    if (stored !== undefined) return c.json({ user_id: id, ...stored })
    // get() answers undefined for a store that failed too: say which it was.
    if (!(await cache.health()).healthy) return c.json({ error: 'the preference store is not answering; try again' }, 503)
    return c.json({ error: `no preferences stored for user '${id}' (they are kept for the user-session TTL)` }, 404)
  })

  app.put('/:user_id/preferences', async (c) => {
    const id = pathUserId(c)
    if (typeof id !== 'string') return id
    const body = await readBody(c, userPreferences)
    if (!body.ok) return body.response
    const stored: StoredPreferences = { preferences: body.data, updated_at: new Date().toISOString() }
    if (!(await cache.set(userPreferencesKey(id), stored))) return c.json({ error: 'the preferences could not be stored; try again' }, 503)
    return c.json({ user_id: id, ...stored })
  })

  return app
}

/** The validated `user_id` of the path, or the 400 to send. */
function pathUserId(c: Context): string | Response {
  const parsed = userId.safeParse(c.req.param('user_id'))
  return parsed.success ? parsed.data : c.json({ error: `user_id ${describeIssues(parsed.error).replace(/^body: /, '')}` }, 400)
}
