import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import type { KubeObject } from './types.js'

/** A Deployment and a Service: the two-object chart the proof tests deploy. */
export const TINY_CHART = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'tiny-app')

/** The objects in a rendered manifest, as Helm stored it in the release. */
export function renderedObjects(manifest: string): KubeObject[] {
  return parseAllDocuments(manifest)
    .map(doc => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null && typeof o === 'object')
}

/** A CRD in `crds/`, a custom resource, a hook Job and a `helm test` Pod. */
export const CRD_HOOKS_CHART = join(
  fileURLToPath(new URL('.', import.meta.url)),
  'fixtures',
  'crd-hooks'
)
