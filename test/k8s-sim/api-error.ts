import type { ResourceType } from './catalog.js'

/** A failure the API server reports as a `Status` object, which client-go turns into typed errors. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: unknown[] }
  ) {
    super(message)
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code
    }
  }
}

/** `deployments.apps`, as the real server names a resource in its messages. */
export function qualifiedName(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural
}

export function notFound(type: ResourceType, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedName(type)} "${name}" not found`, {
    name,
    group: type.group,
    kind: type.plural
  })
}

export function alreadyExists(type: ResourceType, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedName(type)} "${name}" already exists`, {
    name,
    group: type.group,
    kind: type.plural
  })
}

export function conflict(type: ResourceType, name: string, why: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName(type)} "${name}": ${why}`,
    { name, group: type.group, kind: type.plural }
  )
}

export function invalid(type: ResourceType, name: string, why: string): ApiError {
  return new ApiError(422, 'Invalid', `${type.kind} "${name}" is invalid: ${why}`, {
    name,
    group: type.group,
    kind: type.kind
  })
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message)
}
