import { httpStatus } from './client.js'

/**
 * A create that is safe to retry. A write whose answer was lost (a 502 from a proxy, a dropped
 * connection) may have been applied: retrying blindly would leave an orphan Deployment or a
 * second comment. So each attempt goes out once (no automatic retry), and after a transient
 * failure the resource is looked up before it is created again.
 */
export async function createOnce<T>(
  create: () => Promise<T>,
  lookUp: () => Promise<T | undefined>,
  attempts = 3
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create()
    } catch (error) {
      const status = httpStatus(error)
      const transient = status === undefined || status >= 500
      if (!transient || attempt >= attempts) throw error
      const found = await lookUp()
      if (found !== undefined) return found
      await new Promise(resolve => setTimeout(resolve, 250 * attempt))
    }
  }
}
