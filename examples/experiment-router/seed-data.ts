import type { Database } from './database.js'
import type { ExperimentStatus, Variant } from './experiment-types.js'
import { dayBucket, hourBucket } from './time-buckets.js'
import { pickVariant } from './variant-picker.js'

/**
 * A little synthetic data, the same on every start and every backend: six
 * experiments (three finished ones give the vector search neighbours to
 * find), 24 generated users ("Synthetic User 001" ...), and on
 * 2024-12-01 (the day in the seed's key examples) assignments, views and
 * conversions for exp_123. Rows are inserted with ON CONFLICT DO NOTHING, so
 * restarting against a PostgreSQL that already holds them changes nothing.
 */
interface SeedExperiment {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly status: ExperimentStatus
  readonly variants: readonly Variant[]
}

const SEEDED_AT = '2024-12-01T09:00:00.000Z'

const EXPERIMENTS: readonly SeedExperiment[] = [
  {
    id: 'exp_123', name: 'Checkout button colour', description: 'Does a green checkout button convert better?', status: 'running',
    variants: [
      { id: 'control', name: 'Blue button', weight: 50 },
      { id: 'variant_1', name: 'Green button', weight: 25 },
      { id: 'variant_2', name: 'Orange button', weight: 25 },
    ],
  },
  {
    id: 'exp_456', name: 'Onboarding email subject', description: 'Short subject line against a question', status: 'running',
    variants: [
      { id: 'control', name: 'Welcome aboard', weight: 50 },
      { id: 'variant_1', name: 'Ready for your first project?', weight: 50 },
    ],
  },
  {
    id: 'exp_789', name: 'Pricing page layout', description: 'Paused after a layout bug', status: 'paused',
    variants: [
      { id: 'control', name: 'Three columns', weight: 50 },
      { id: 'variant_1', name: 'Comparison table', weight: 50 },
    ],
  },
  {
    id: 'exp_201', name: 'Checkout trust badges', description: 'Do security badges next to the checkout button lift conversions?', status: 'completed',
    variants: [
      { id: 'control', name: 'No badges', weight: 50 },
      { id: 'variant_1', name: 'Security and payment badges', weight: 50 },
    ],
  },
  {
    id: 'exp_202', name: 'Welcome email timing', description: 'Send the onboarding welcome email at once or one hour after sign-up', status: 'completed',
    variants: [
      { id: 'control', name: 'At once', weight: 50 },
      { id: 'variant_1', name: 'One hour later', weight: 50 },
    ],
  },
  {
    id: 'exp_203', name: 'Annual plan discount banner', description: 'A banner on the pricing page offering two months free on annual plans', status: 'completed',
    variants: [
      { id: 'control', name: 'No banner', weight: 50 },
      { id: 'variant_1', name: 'Two months free banner', weight: 50 },
    ],
  },
]

const USER_COUNT = 24
const COUNTRIES = ['DE', 'FR', 'US', 'JP', 'BR', 'IN']
const PLANS = ['free', 'pro', 'team']

/** `user_001` ... `user_024`. */
export function seededUserId(n: number): string {
  return `user_${String(n).padStart(3, '0')}`
}

/** Creates the seed rows that are missing. */
export async function seedDatabase(db: Database): Promise<void> {
  for (const experiment of EXPERIMENTS) {
    await db.run(
      `INSERT INTO experiments (id, name, description, status, version, updated_at) VALUES (?, ?, ?, ?, 1, ?)
       ON CONFLICT (id) DO NOTHING`,
      [experiment.id, experiment.name, experiment.description, experiment.status, SEEDED_AT])
    for (const variant of experiment.variants) {
      await db.run(
        'INSERT INTO variants (experiment_id, id, name, weight) VALUES (?, ?, ?, ?) ON CONFLICT (experiment_id, id) DO NOTHING',
        [experiment.id, variant.id, variant.name, variant.weight])
    }
  }
  for (let n = 1; n <= USER_COUNT; n++) {
    const signedUp = new Date(Date.UTC(2024, (n * 5) % 12, 1 + ((n * 7) % 28))).toISOString().slice(0, 10)
    await db.run(
      `INSERT INTO user_profiles (id, display_name, country, plan, signed_up_on) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
      [seededUserId(n), `Synthetic User ${String(n).padStart(3, '0')}`, COUNTRIES[n % COUNTRIES.length] ?? 'DE',
        PLANS[n % PLANS.length] ?? 'free', signedUp])
  }
  await seedDayOfEvents(db)
}

/** Users 1 to 10 join exp_123 at 13:00 on 2024-12-01, view at 14:05, and every third converts at 14:30. */
async function seedDayOfEvents(db: Database): Promise<void> {
  const experiment = EXPERIMENTS[0] as SeedExperiment
  for (let n = 1; n <= 10; n++) {
    const userId = seededUserId(n)
    const variant = pickVariant(experiment.id, userId, experiment.variants)
    await db.run(
      `INSERT INTO assignments (experiment_id, user_id, variant_id, assigned_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (experiment_id, user_id) DO NOTHING`,
      [experiment.id, userId, variant.id, '2024-12-01T13:00:00.000Z'])
    const events: Array<[string, string, number, string]> = [[`seed_view_${n}`, 'view', 0, '2024-12-01T14:05:00.000Z']]
    if (n % 3 === 0) events.push([`seed_conversion_${n}`, 'conversion', 10 + n * 2.5, '2024-12-01T14:30:00.000Z'])
    for (const [id, type, value, at] of events) {
      await db.run(
        `INSERT INTO events (id, experiment_id, variant_id, user_id, event_type, value, occurred_at, hour_bucket, day_bucket)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        [id, experiment.id, variant.id, userId, type, value, at, hourBucket(at), dayBucket(at)])
    }
  }
}
