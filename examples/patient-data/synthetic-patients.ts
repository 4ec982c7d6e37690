/**
 * Generated synthetic patients, medications and lab results. Nothing here is
 * real: names carry the VistA test-patient prefix `ZZ`, dates and values are
 * drawn from a seeded PRNG, so the same seed always yields the same data.
 */
import { seededRandom } from './seeded-random.js'

/** One patient's demographics, as `ORWPT SELECT` returns them. */
export interface PatientRecord {
  readonly station: string
  readonly dfn: string
  readonly name: string
  readonly sex: 'M' | 'F'
  readonly dob: string
  readonly phone: string
  readonly ward: string
}

/** One active outpatient or inpatient medication (`ORWPS ACTIVE`). */
export interface MedicationRecord {
  readonly station: string
  readonly dfn: string
  readonly drug: string
  readonly sig: string
  readonly status: 'ACTIVE' | 'PENDING' | 'HOLD'
  readonly startDate: string
}

/** One lab result (`ORWLRR INTERIM`). */
export interface LabRecord {
  readonly station: string
  readonly dfn: string
  readonly test: string
  readonly value: number
  readonly units: string
  readonly refRange: string
  readonly collected: string
}

/** Everything the emulated VistA holds. */
export interface SyntheticDataset {
  readonly patients: PatientRecord[]
  readonly medications: MedicationRecord[]
  readonly labs: LabRecord[]
}

/** The two emulated VistA stations (facility numbers). */
export const STATIONS = ['500', '640'] as const
/** First DFN at every station; the seed's example patient 100841 falls in the range. */
export const FIRST_DFN = 100_800
/** Patients generated per station. */
export const PATIENTS_PER_STATION = 150

const FIRST_NAMES = ['ALEX', 'BLAIR', 'CASEY', 'DANA', 'EMERY', 'FINLEY', 'GRAY', 'HARPER', 'JORDAN', 'KAI', 'LANE', 'MORGAN', 'NOEL', 'QUINN', 'REESE', 'SAGE']
const LAST_NAMES = ['ALPHA', 'BRAVO', 'CHARLIE', 'DELTA', 'ECHO', 'FOXTROT', 'GOLF', 'HOTEL', 'INDIA', 'JULIET', 'KILO', 'LIMA', 'OSCAR', 'TANGO']
const WARDS = ['1 NORTH', '2 SOUTH', '3 EAST MED', 'ICU', 'OUTPATIENT']
const DRUGS: ReadonlyArray<readonly [string, string]> = [
  ['METFORMIN 500MG TAB', 'TAKE ONE TABLET BY MOUTH TWICE A DAY'],
  ['LISINOPRIL 10MG TAB', 'TAKE ONE TABLET BY MOUTH EVERY DAY'],
  ['ATORVASTATIN 20MG TAB', 'TAKE ONE TABLET BY MOUTH AT BEDTIME'],
  ['AMLODIPINE 5MG TAB', 'TAKE ONE TABLET BY MOUTH EVERY DAY'],
  ['OMEPRAZOLE 20MG CAP', 'TAKE ONE CAPSULE BY MOUTH BEFORE BREAKFAST'],
  ['SERTRALINE 50MG TAB', 'TAKE ONE TABLET BY MOUTH EVERY DAY'],
  ['GABAPENTIN 300MG CAP', 'TAKE ONE CAPSULE BY MOUTH THREE TIMES A DAY'],
]
const LAB_TESTS: ReadonlyArray<{ test: string; units: string; low: number; high: number; decimals: number }> = [
  { test: 'GLUCOSE', units: 'mg/dL', low: 70, high: 110, decimals: 0 },
  { test: 'SODIUM', units: 'mmol/L', low: 135, high: 145, decimals: 0 },
  { test: 'POTASSIUM', units: 'mmol/L', low: 3.5, high: 5.1, decimals: 1 },
  { test: 'CREATININE', units: 'mg/dL', low: 0.6, high: 1.3, decimals: 2 },
  { test: 'HEMOGLOBIN A1C', units: '%', low: 4, high: 5.6, decimals: 1 },
]

function isoDate(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** Generates the whole dataset from `seed`: {@link PATIENTS_PER_STATION} patients at each of {@link STATIONS}. */
export function generateDataset(seed: number): SyntheticDataset {
  const random = seededRandom(seed)
  const patients: PatientRecord[] = []
  const medications: MedicationRecord[] = []
  const labs: LabRecord[] = []
  for (const station of STATIONS) {
    for (let n = 0; n < PATIENTS_PER_STATION; n++) {
      const dfn = String(FIRST_DFN + n)
      patients.push({
        station,
        dfn,
        name: `ZZ${random.pick(LAST_NAMES)},${random.pick(FIRST_NAMES)}`,
        sex: random.next() < 0.5 ? 'M' : 'F',
        dob: isoDate(random.int(1935, 2000), random.int(1, 12), random.int(1, 28)),
        // 555-01xx numbers are reserved for fiction.
        phone: `555-01${String(random.int(0, 99)).padStart(2, '0')}`,
        ward: random.pick(WARDS),
      })
      const medCount = random.int(1, 5)
      for (let m = 0; m < medCount; m++) {
        const [drug, sig] = random.pick(DRUGS)
        medications.push({ station, dfn, drug, sig, status: random.pick(['ACTIVE', 'ACTIVE', 'PENDING', 'HOLD'] as const), startDate: isoDate(random.int(2020, 2026), random.int(1, 12), random.int(1, 28)) })
      }
      for (const lab of LAB_TESTS) {
        // Mostly in range, sometimes a little outside, as real panels are.
        const span = lab.high - lab.low
        const value = Number((lab.low - span * 0.2 + random.next() * span * 1.4).toFixed(lab.decimals))
        labs.push({ station, dfn, test: lab.test, value, units: lab.units, refRange: `${lab.low}-${lab.high}`, collected: isoDate(2026, random.int(1, 10), random.int(1, 28)) })
      }
    }
  }
  return { patients, medications, labs }
}
