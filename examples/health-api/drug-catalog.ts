/**
 * A tiny reference table standing in for the external drug sources (FDA,
 * PubMed) the seed calls. Illustrative only: simplified, not medical advice.
 */

/** One drug's reference entry. */
export interface DrugEntry {
  readonly name: string
  readonly drugClass: string
  readonly commonUses: readonly string[]
  /** Other drugs (lower case) this one is flagged with, and why. */
  readonly interactions: Readonly<Record<string, string>>
  /** Conditions (lower case) that call for care, and why. */
  readonly cautions: Readonly<Record<string, string>>
}

const ENTRIES: readonly DrugEntry[] = [
  {
    name: 'aspirin', drugClass: 'NSAID / antiplatelet', commonUses: ['pain', 'fever', 'secondary prevention of heart attack'],
    interactions: { warfarin: 'higher bleeding risk', ibuprofen: 'may blunt the antiplatelet effect' },
    cautions: { 'peptic ulcer': 'gastrointestinal bleeding', asthma: 'can trigger bronchospasm in some patients' },
  },
  {
    name: 'ibuprofen', drugClass: 'NSAID', commonUses: ['pain', 'fever', 'inflammation'],
    interactions: { aspirin: 'may blunt the antiplatelet effect', lisinopril: 'reduced blood-pressure effect, kidney strain' },
    cautions: { 'kidney disease': 'can worsen kidney function', 'peptic ulcer': 'gastrointestinal bleeding' },
  },
  {
    name: 'metformin', drugClass: 'biguanide', commonUses: ['type 2 diabetes'],
    interactions: {},
    cautions: { 'kidney disease': 'dose depends on kidney function' },
  },
  {
    name: 'lisinopril', drugClass: 'ACE inhibitor', commonUses: ['high blood pressure', 'heart failure'],
    interactions: { ibuprofen: 'reduced blood-pressure effect, kidney strain' },
    cautions: { pregnancy: 'not used in pregnancy' },
  },
  {
    name: 'warfarin', drugClass: 'anticoagulant', commonUses: ['prevention of blood clots'],
    interactions: { aspirin: 'higher bleeding risk' },
    cautions: { 'liver disease': 'stronger effect, bleeding risk' },
  },
  {
    name: 'atorvastatin', drugClass: 'statin', commonUses: ['high cholesterol'],
    interactions: {},
    cautions: { 'liver disease': 'monitor liver function' },
  },
]

const BY_NAME = new Map(ENTRIES.map((entry) => [entry.name, entry]))

/** The entry of a lower-case drug name, or undefined when the table does not know it. */
export function findDrug(name: string): DrugEntry | undefined {
  return BY_NAME.get(name)
}
