/**
 * A tiny reference table standing in for the external drug sources (FDA,
 * PubMed) the seed calls. Illustrative only: simplified, not medical advice.
 * `drug-source.ts` lays a file of changed records over it.
 */

/** One drug's reference entry. */
export interface DrugEntry {
  readonly name: string
  /** When the source last changed this record (ISO 8601): what drug info's timestamp validation compares. */
  readonly updatedAt: string
  readonly drugClass: string
  readonly commonUses: readonly string[]
  /** Other drugs (lower case) this one is flagged with, and why. */
  readonly interactions: Readonly<Record<string, string>>
  /** Conditions (lower case) that call for care, and why. */
  readonly cautions: Readonly<Record<string, string>>
}

/** The built-in records. */
export const BUILT_IN_DRUGS: readonly DrugEntry[] = [
  {
    name: 'aspirin', updatedAt: '2026-01-05T00:00:00.000Z', drugClass: 'NSAID / antiplatelet', commonUses: ['pain', 'fever', 'secondary prevention of heart attack'],
    interactions: { warfarin: 'higher bleeding risk', ibuprofen: 'may blunt the antiplatelet effect' },
    cautions: { 'peptic ulcer': 'gastrointestinal bleeding', asthma: 'can trigger bronchospasm in some patients' },
  },
  {
    name: 'ibuprofen', updatedAt: '2026-01-05T00:00:00.000Z', drugClass: 'NSAID', commonUses: ['pain', 'fever', 'inflammation'],
    interactions: { aspirin: 'may blunt the antiplatelet effect', lisinopril: 'reduced blood-pressure effect, kidney strain' },
    cautions: { 'kidney disease': 'can worsen kidney function', 'peptic ulcer': 'gastrointestinal bleeding' },
  },
  {
    name: 'metformin', updatedAt: '2026-02-10T00:00:00.000Z', drugClass: 'biguanide', commonUses: ['type 2 diabetes'],
    interactions: {},
    cautions: { 'kidney disease': 'dose depends on kidney function' },
  },
  {
    name: 'lisinopril', updatedAt: '2026-02-10T00:00:00.000Z', drugClass: 'ACE inhibitor', commonUses: ['high blood pressure', 'heart failure'],
    interactions: { ibuprofen: 'reduced blood-pressure effect, kidney strain' },
    cautions: { pregnancy: 'not used in pregnancy' },
  },
  {
    name: 'warfarin', updatedAt: '2026-03-01T00:00:00.000Z', drugClass: 'anticoagulant', commonUses: ['prevention of blood clots'],
    interactions: { aspirin: 'higher bleeding risk' },
    cautions: { 'liver disease': 'stronger effect, bleeding risk' },
  },
  {
    name: 'atorvastatin', updatedAt: '2026-03-01T00:00:00.000Z', drugClass: 'statin', commonUses: ['high cholesterol'],
    interactions: {},
    cautions: { 'liver disease': 'monitor liver function' },
  },
]

/** One consistent version of the reference table: a request reads one, even if the source changes meanwhile. */
export class DrugTable {
  private readonly byName: ReadonlyMap<string, DrugEntry>

  constructor(entries: readonly DrugEntry[]) {
    this.byName = new Map(entries.map((entry) => [entry.name, entry]))
  }

  /** The entry of a lower-case drug name, or undefined when the table does not know it. */
  find(name: string): DrugEntry | undefined {
    return this.byName.get(name)
  }
}
