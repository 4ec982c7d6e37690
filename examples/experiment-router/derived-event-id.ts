import { createHash } from 'node:crypto'
import { hourBucket } from './time-buckets.js'

/**
 * The id of an event sent without one (the seed's own call,
 * `route_data({experiment_id, user_id, event_type})`): the same experiment,
 * user, event type and UTC hour give the same id, so a retried call is
 * recorded once, as the seed de-duplicates on a key built from the data. A
 * second event of that type in that hour needs its own `event_id`.
 */
export function derivedEventId(experimentId: string, userId: string, eventType: string, occurredAtIso: string): string {
  const digest = createHash('sha256').update([experimentId, userId, eventType, hourBucket(occurredAtIso)].join('\u0000')).digest('hex')
  return `auto_${digest.slice(0, 24)}`
}
