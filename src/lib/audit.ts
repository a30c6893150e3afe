import { appendFile, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Bumped when a field changes meaning or disappears; new optional fields keep the version. */
export const AUDIT_SCHEMA = 'mlops-actions/audit/v1'

export type AuditAction = 'deploy' | 'promote' | 'abort' | 'rollback'
export type AuditOutcome = 'success' | 'failure' | 'rolled-back' | 'no-op' | 'dry-run'

/** One record per deploy, promotion and rollback (SPEC section 6). Never holds a secret. */
export interface AuditRecord {
  schema: typeof AUDIT_SCHEMA
  action: AuditAction
  environment: string
  release: string
  namespace: string
  version: string | null
  tag: string | null
  commit: string | null
  tree: string | null
  image: string | null
  digest: string | null
  chart: string | null
  chartVersion: string | null
  revision: number | null
  previousRevision: number | null
  strategy: string | null
  canary: { verdict: string; score: number | null } | null
  actor: string | null
  runUrl: string | null
  reason: string | null
  startedAt: string
  finishedAt: string
  outcome: AuditOutcome
}

export type AuditFields = Partial<Omit<AuditRecord, 'schema' | 'startedAt' | 'finishedAt'>> &
  Pick<AuditRecord, 'action' | 'environment' | 'release' | 'namespace' | 'outcome'>

/** Builds a complete record: every field present, unknown ones null, so consumers need no guessing. */
export function auditRecord(fields: AuditFields, startedAt: Date, finishedAt: Date): AuditRecord {
  return {
    schema: AUDIT_SCHEMA,
    action: fields.action,
    environment: fields.environment,
    release: fields.release,
    namespace: fields.namespace,
    version: fields.version ?? null,
    tag: fields.tag ?? null,
    commit: fields.commit ?? null,
    tree: fields.tree ?? null,
    image: fields.image ?? null,
    digest: fields.digest ?? null,
    chart: fields.chart ?? null,
    chartVersion: fields.chartVersion ?? null,
    revision: fields.revision ?? null,
    previousRevision: fields.previousRevision ?? null,
    strategy: fields.strategy ?? null,
    canary: fields.canary ?? null,
    actor: fields.actor ?? null,
    runUrl: fields.runUrl ?? null,
    reason: fields.reason ?? null,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    outcome: fields.outcome
  }
}

/** Appends the record as one JSON Lines entry; the file and its folder are created if missing. */
export async function appendAuditFile(path: string, record: AuditRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await appendFile(path, `${JSON.stringify(record)}\n`, 'utf8')
}
