/**
 * The emulated VistA's storage: a real SQLite database (sql.js, SQLite compiled
 * to WASM) filled with the generated synthetic patients. It lives in memory, so
 * every process starts from the same seeded data.
 */
import initSqlJs from 'sql.js'
import type { Database as SqlDatabase, SqlValue } from 'sql.js'
import { generateDataset, type LabRecord, type MedicationRecord, type PatientRecord } from './synthetic-patients.js'

/** Fields `update_patient` may change. */
export interface PatientChanges {
  readonly phone?: string
  readonly ward?: string
}

/** Typed queries over the synthetic VistA tables. */
export interface VistaDatabase {
  findPatient(station: string, dfn: string): PatientRecord | undefined
  activeMedications(station: string, dfn: string): MedicationRecord[]
  interimLabs(station: string, dfn: string): LabRecord[]
  /** Applies `changes`; resolves to the updated record, or undefined for an unknown patient. */
  updatePatient(station: string, dfn: string, changes: PatientChanges): PatientRecord | undefined
  close(): void
}

const SCHEMA = `
  CREATE TABLE patient (station TEXT NOT NULL, dfn TEXT NOT NULL, name TEXT NOT NULL, sex TEXT NOT NULL,
    dob TEXT NOT NULL, phone TEXT NOT NULL, ward TEXT NOT NULL, PRIMARY KEY (station, dfn));
  CREATE TABLE medication (station TEXT NOT NULL, dfn TEXT NOT NULL, drug TEXT NOT NULL, sig TEXT NOT NULL,
    status TEXT NOT NULL, start_date TEXT NOT NULL, FOREIGN KEY (station, dfn) REFERENCES patient (station, dfn));
  CREATE TABLE lab_result (station TEXT NOT NULL, dfn TEXT NOT NULL, test TEXT NOT NULL, value REAL NOT NULL,
    units TEXT NOT NULL, ref_range TEXT NOT NULL, collected TEXT NOT NULL, FOREIGN KEY (station, dfn) REFERENCES patient (station, dfn));
  CREATE INDEX medication_patient ON medication (station, dfn);
  CREATE INDEX lab_patient ON lab_result (station, dfn);
`

function rows<Row>(db: SqlDatabase, sql: string, params: SqlValue[]): Row[] {
  const statement = db.prepare(sql)
  try {
    statement.bind(params)
    const result: Row[] = []
    while (statement.step()) result.push(statement.getAsObject() as Row)
    return result
  } finally {
    statement.free()
  }
}

function insertAll(db: SqlDatabase, sql: string, values: SqlValue[][]): void {
  // One prepared statement per table: preparing per row made start-up several times slower.
  const statement = db.prepare(sql)
  try {
    for (const row of values) statement.run(row)
  } finally {
    statement.free()
  }
}

function insertDataset(db: SqlDatabase, seed: number): void {
  const { patients, medications, labs } = generateDataset(seed)
  db.run('BEGIN')
  insertAll(db, 'INSERT INTO patient VALUES (?, ?, ?, ?, ?, ?, ?)', patients.map((p) => [p.station, p.dfn, p.name, p.sex, p.dob, p.phone, p.ward]))
  insertAll(db, 'INSERT INTO medication VALUES (?, ?, ?, ?, ?, ?)', medications.map((m) => [m.station, m.dfn, m.drug, m.sig, m.status, m.startDate]))
  insertAll(db, 'INSERT INTO lab_result VALUES (?, ?, ?, ?, ?, ?, ?)', labs.map((l) => [l.station, l.dfn, l.test, l.value, l.units, l.refRange, l.collected]))
  db.run('COMMIT')
}

/** Opens an in-memory SQLite database seeded with the dataset generated from `seed`. */
export async function openVistaDatabase(seed: number): Promise<VistaDatabase> {
  const SQL = await initSqlJs()
  const db = new SQL.Database()
  db.run('PRAGMA foreign_keys = ON')
  db.exec(SCHEMA)
  insertDataset(db, seed)
  const findPatient = (station: string, dfn: string): PatientRecord | undefined =>
    rows<PatientRecord>(db, 'SELECT station, dfn, name, sex, dob, phone, ward FROM patient WHERE station = ? AND dfn = ?', [station, dfn])[0]
  return {
    findPatient,
    activeMedications: (station, dfn) =>
      rows<MedicationRecord>(
        db,
        'SELECT station, dfn, drug, sig, status, start_date AS startDate FROM medication WHERE station = ? AND dfn = ? ORDER BY start_date DESC, drug',
        [station, dfn],
      ),
    interimLabs: (station, dfn) =>
      rows<LabRecord>(
        db,
        'SELECT station, dfn, test, value, units, ref_range AS refRange, collected FROM lab_result WHERE station = ? AND dfn = ? ORDER BY collected DESC, test',
        [station, dfn],
      ),
    updatePatient(station, dfn, changes) {
      // COALESCE keeps a field the caller did not send.
      db.run('UPDATE patient SET phone = COALESCE(?, phone), ward = COALESCE(?, ward) WHERE station = ? AND dfn = ?', [
        changes.phone ?? null,
        changes.ward ?? null,
        station,
        dfn,
      ])
      return db.getRowsModified() === 0 ? undefined : findPatient(station, dfn)
    },
    close: () => db.close(),
  }
}
