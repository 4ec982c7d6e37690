/**
 * An emulated VistA RPC Broker: each remote procedure waits the configured
 * latency (a real broker round trip to M takes tens to hundreds of ms), then
 * answers from the SQLite database. Every call is counted per RPC name, so
 * tests can prove a cache hit never reached the origin.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { PatientChanges, VistaDatabase } from './vista-database.js'
import type { LabRecord, MedicationRecord, PatientRecord } from './synthetic-patients.js'

/** The RPC names this emulation answers; the first three exist in VistA CPRS, the last is a site-local (`ZZ`) one. */
export const RPC = {
  selectPatient: 'ORWPT SELECT',
  activeMedications: 'ORWPS ACTIVE',
  interimLabs: 'ORWLRR INTERIM',
  updatePatient: 'ZZPT UPDATE',
} as const

/** The broker's remote procedures, typed. */
export class VistaRpcBroker {
  private readonly calls = new Map<string, number>()

  /** @param latencyMs the delay of every call, `VISTA_RPC_LATENCY_MS` (default 150). */
  constructor(
    private readonly db: VistaDatabase,
    private readonly latencyMs: number,
  ) {}

  /** `ORWPT SELECT`: demographics of one patient. */
  selectPatient(station: string, dfn: string): Promise<PatientRecord | undefined> {
    return this.invoke(RPC.selectPatient, () => this.db.findPatient(station, dfn))
  }

  /** `ORWPS ACTIVE`: the patient's active medications. */
  activeMedications(station: string, dfn: string): Promise<MedicationRecord[]> {
    return this.invoke(RPC.activeMedications, () => this.db.activeMedications(station, dfn))
  }

  /** `ORWLRR INTERIM`: the patient's recent lab results. */
  interimLabs(station: string, dfn: string): Promise<LabRecord[]> {
    return this.invoke(RPC.interimLabs, () => this.db.interimLabs(station, dfn))
  }

  /** `ZZPT UPDATE`: writes demographics; undefined when the patient does not exist. */
  updatePatient(station: string, dfn: string, changes: PatientChanges): Promise<PatientRecord | undefined> {
    return this.invoke(RPC.updatePatient, () => this.db.updatePatient(station, dfn, changes))
  }

  /** How many times each RPC ran since the process started. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.calls)
  }

  private async invoke<T>(name: string, run: () => T): Promise<T> {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1)
    if (this.latencyMs > 0) await sleep(this.latencyMs)
    return run()
  }
}
