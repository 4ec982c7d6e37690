/**
 * The cached values: a ~1 KB JSON record (a patient-like document, the seeds'
 * common case) and a ~100 KB one (a page of such records). Plain JSON only, so
 * every contender can give back exactly what it was given.
 */

/** Value sizes the scenarios run with. */
export type ValueSize = '1 KB' | '100 KB'

/** A ~1 KB record, different for every `i`. */
export function record(i: number): Record<string, unknown> {
  return {
    id: `patient-${i}`,
    mrn: `MRN${100_000 + i * 37}`,
    active: i % 5 !== 0,
    name: { given: ['Ada', i % 2 === 0 ? 'Marie' : 'Grace'], family: `Lovelace-${i % 97}` },
    birthDate: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
    address: [{ line: [`${i + 12} Analytical Engine St`], city: 'London', postalCode: `NW${i % 9} 2DB`, country: 'GB' }],
    telecom: [
      { system: 'phone', value: `+44 20 7946 ${String(i % 10_000).padStart(4, '0')}`, use: 'home' },
      { system: 'email', value: `patient${i}@example.org` },
    ],
    conditions: [
      { code: 'E11.9', display: 'Type 2 diabetes mellitus without complications', onset: '2019-03-04', severity: 2 },
      { code: 'I10', display: 'Essential (primary) hypertension', onset: '2020-11-23', severity: 1 },
    ],
    observations: [
      { code: '4548-4', display: 'Hemoglobin A1c', value: 6.1 + (i % 30) / 10, unit: '%', at: '2026-01-15' },
      { code: '8480-6', display: 'Systolic blood pressure', value: 118 + (i % 40), unit: 'mm[Hg]', at: '2026-01-15' },
      { code: '39156-5', display: 'Body mass index', value: 21.4 + (i % 13) / 3, unit: 'kg/m2', at: '2026-01-15' },
    ],
    allergies: ['penicillin', 'latex'],
    careTeam: [{ role: 'primary', name: 'Dr. Charles Babbage', since: '2015-06-01' }],
    version: 3 + (i % 4),
    riskScore: 0.3 + (i % 50) / 100,
  }
}

/** A ~100 KB value: 95 records under one object, different for every `i`. */
export function page(i: number): Record<string, unknown> {
  return { page: i, total: 95, patients: Array.from({ length: 95 }, (_, n) => record(i * 95 + n)) }
}

/** The value of key number `i` for a size. */
export function valueOf(size: ValueSize, i: number): Record<string, unknown> {
  return size === '1 KB' ? record(i) : page(i)
}

/** Bytes of the value as JSON (what the tables call "1 KB" and "100 KB"). */
export function jsonBytes(size: ValueSize): number {
  return Buffer.byteLength(JSON.stringify(valueOf(size, 1)))
}
