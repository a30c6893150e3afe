import { UserError } from '../errors.js'

/** An HTTP answer the caller did not expect; 5xx, 429 and 408 are worth another attempt. */
export class RegistryHttpError extends Error {
  override name = 'RegistryHttpError'
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterMs?: number
  ) {
    super(message)
  }
}

/** The registry no longer knows an upload session: the upload has to start over. */
export class UploadLostError extends Error {
  override name = 'UploadLostError'
}

export function isRetryableRegistryError(error: unknown): boolean {
  if (error instanceof RegistryHttpError)
    return error.status >= 500 || error.status === 429 || error.status === 408
  if (error instanceof UserError || error instanceof UploadLostError) return false
  // fetch rejects with a TypeError ("fetch failed") for refused, reset or dropped connections;
  // compared by name, since the error may come from another realm (a VM context).
  return (
    (error as Error)?.name === 'TypeError' ||
    typeof (error as NodeJS.ErrnoException)?.code === 'string'
  )
}
