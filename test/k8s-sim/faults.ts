/** An API fault a test injects: an error status, a slow answer, or a dropped connection. */
export interface FaultSpec {
  /** Answer with this HTTP status (and a Kubernetes Status body) instead of serving the request. */
  status?: number
  /** Wait this long before answering (combines with `status` or `drop`, or just slows the call). */
  slowMs?: number
  /** Close the connection without an answer. */
  drop?: boolean
  /** How many matching requests it affects; every one until cleared when omitted. */
  count?: number
  /** Matches requests whose path (query included) contains this text, or matches this RegExp. */
  pathPattern?: string | RegExp
  /** Only this HTTP method (GET, POST, PUT, PATCH, DELETE). */
  method?: string
}

interface ActiveFault extends FaultSpec {
  id: number
  remaining: number
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout'
}

export function reasonForStatus(status: number): string {
  return REASONS[status] ?? 'InternalError'
}

export class FaultInjector {
  private faults: ActiveFault[] = []
  private nextId = 1

  add(spec: FaultSpec): number {
    if (spec.status === undefined && spec.slowMs === undefined && !spec.drop) {
      throw new Error('a fault needs status, slowMs or drop')
    }
    const id = this.nextId++
    this.faults.push({ ...spec, id, remaining: spec.count ?? Number.POSITIVE_INFINITY })
    return id
  }

  remove(id: number): void {
    this.faults = this.faults.filter(f => f.id !== id)
  }

  clear(): void {
    this.faults = []
  }

  list(): FaultSpec[] {
    return this.faults.map(({ remaining, id: _id, ...spec }) => ({ ...spec, count: remaining }))
  }

  /** The fault that takes this request, consuming one of its uses. */
  take(method: string, pathAndQuery: string): FaultSpec | undefined {
    const fault = this.faults.find(f => {
      if (f.method && f.method.toUpperCase() !== method.toUpperCase()) return false
      if (f.pathPattern === undefined) return true
      return typeof f.pathPattern === 'string'
        ? pathAndQuery.includes(f.pathPattern)
        : f.pathPattern.test(pathAndQuery)
    })
    if (!fault) return undefined
    fault.remaining--
    if (fault.remaining <= 0) this.remove(fault.id)
    return fault
  }
}
