import { UserError } from '../errors.js'
import { RegistryClient } from '../oci/registry-client.js'
import type { BuildRequest, ImageBuilder } from './builders.js'
import { buildOciLayerImage, type OciLayerResult } from './oci-layer.js'

/** The daemonless builder as an ImageBuilder: always available, it needs only the registry. */
export class OciLayerBuilder implements ImageBuilder {
  readonly name = 'oci-layer' as const

  async available(): Promise<boolean> {
    return true
  }

  async build(request: BuildRequest): Promise<OciLayerResult> {
    if (!request.baseImage)
      throw new UserError(
        'builder oci-layer needs base-image (the serving image to add the model to).'
      )
    if (!request.modelPath)
      throw new UserError('builder oci-layer needs model-path (the directory to add as a layer).')
    if (!request.created)
      throw new UserError(
        'builder oci-layer needs the creation time (commit time or SOURCE_DATE_EPOCH).'
      )
    if (!request.push)
      throw new UserError(
        'builder oci-layer pushes to a registry; it cannot load into a local daemon.'
      )
    const clients = new Map<string, RegistryClient>()
    const client =
      request.registryClient ??
      ((registry: string) => {
        let existing = clients.get(registry)
        if (!existing) {
          existing = new RegistryClient({
            registry,
            insecure: request.insecure,
            log: request.log,
            ...(registry === request.image.registry && request.credentials
              ? { credentials: request.credentials }
              : {})
          })
          clients.set(registry, existing)
        }
        return existing
      })
    return buildOciLayerImage({
      baseImage: request.baseImage,
      image: request.image,
      tags: request.tags,
      modelPath: request.modelPath,
      labels: request.labels,
      created: request.created,
      client,
      log: request.log,
      ...(request.destination ? { destination: request.destination } : {}),
      ...(request.platform ? { platform: request.platform } : {}),
      ...(request.compression ? { compression: request.compression } : {}),
      ...(request.cacheDir !== undefined ? { cacheDir: request.cacheDir } : {}),
      ...(request.onProgress ? { onProgress: request.onProgress } : {})
    })
  }
}
