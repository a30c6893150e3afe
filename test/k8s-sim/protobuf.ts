import { ApiError, badRequest } from './api-error.js'
import type { JsonMap, KubeObject, ObjectMeta } from './types.js'

/**
 * Decodes the protobuf bodies client-go sends (`application/vnd.kubernetes.protobuf`): Helm writes
 * its release Secrets this way and client-go does not fall back to JSON, so the server must read
 * them. Only the messages clients actually send are mapped: Secret, ConfigMap, DeleteOptions.
 */

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00])

type Field = { wire: 0; value: bigint } | { wire: 2; value: Buffer }

function readFields(buf: Buffer): Map<number, Field[]> {
  const fields = new Map<number, Field[]>()
  let pos = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (pos >= buf.length) throw badRequest('truncated protobuf varint')
      const byte = buf[pos++] ?? 0
      result |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result
      shift += 7n
    }
  }
  while (pos < buf.length) {
    const tag = Number(varint())
    const number = tag >> 3
    const wire = tag & 7
    let field: Field
    if (wire === 0) field = { wire: 0, value: varint() }
    else if (wire === 2) {
      const length = Number(varint())
      field = { wire: 2, value: buf.subarray(pos, pos + length) }
      pos += length
    } else if (wire === 1) {
      pos += 8
      continue
    } else if (wire === 5) {
      pos += 4
      continue
    } else throw badRequest(`unsupported protobuf wire type ${wire}`)
    const list = fields.get(number) ?? []
    list.push(field)
    fields.set(number, list)
  }
  return fields
}

function bytes(fields: Map<number, Field[]>, number: number): Buffer | undefined {
  const field = fields.get(number)?.at(-1)
  return field?.wire === 2 ? field.value : undefined
}

function text(fields: Map<number, Field[]>, number: number): string | undefined {
  return bytes(fields, number)?.toString('utf8')
}

function integer(fields: Map<number, Field[]>, number: number): number | undefined {
  const field = fields.get(number)?.at(-1)
  return field?.wire === 0 ? Number(BigInt.asIntN(64, field.value)) : undefined
}

function stringList(fields: Map<number, Field[]>, number: number): string[] {
  return (fields.get(number) ?? []).flatMap(f => (f.wire === 2 ? [f.value.toString('utf8')] : []))
}

function map<T>(
  fields: Map<number, Field[]>,
  number: number,
  value: (b: Buffer) => T
): Record<string, T> {
  const result: Record<string, T> = {}
  for (const entry of fields.get(number) ?? []) {
    if (entry.wire !== 2) continue
    const inner = readFields(entry.value)
    result[text(inner, 1) ?? ''] = value(bytes(inner, 2) ?? Buffer.alloc(0))
  }
  return result
}

function objectMeta(buf: Buffer): ObjectMeta {
  const f = readFields(buf)
  const meta: ObjectMeta = {}
  const set = (key: string, value: unknown) => {
    if (value !== undefined) meta[key] = value
  }
  set('name', text(f, 1))
  set('generateName', text(f, 2))
  set('namespace', text(f, 3))
  set('uid', text(f, 5))
  set('resourceVersion', text(f, 6))
  set('generation', integer(f, 7))
  if (f.has(11)) meta.labels = map(f, 11, b => b.toString('utf8'))
  if (f.has(12)) meta.annotations = map(f, 12, b => b.toString('utf8'))
  if (f.has(13)) {
    meta.ownerReferences = (f.get(13) ?? []).flatMap(entry => {
      if (entry.wire !== 2) return []
      const o = readFields(entry.value)
      return [
        {
          kind: text(o, 1) ?? '',
          name: text(o, 3) ?? '',
          uid: text(o, 4) ?? '',
          apiVersion: text(o, 5) ?? '',
          ...(o.has(6) ? { controller: integer(o, 6) === 1 } : {}),
          ...(o.has(7) ? { blockOwnerDeletion: integer(o, 7) === 1 } : {})
        }
      ]
    })
  }
  const finalizers = stringList(f, 14)
  if (finalizers.length > 0) meta.finalizers = finalizers
  return meta
}

function secret(raw: Buffer): KubeObject {
  const f = readFields(raw)
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: objectMeta(bytes(f, 1) ?? Buffer.alloc(0))
  }
  if (f.has(2)) object.data = map(f, 2, b => b.toString('base64'))
  if (f.has(4)) object.stringData = map(f, 4, b => b.toString('utf8'))
  const type = text(f, 3)
  if (type !== undefined) object.type = type
  if (f.has(5)) object.immutable = integer(f, 5) === 1
  return object
}

function configMap(raw: Buffer): KubeObject {
  const f = readFields(raw)
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(bytes(f, 1) ?? Buffer.alloc(0))
  }
  if (f.has(2)) object.data = map(f, 2, b => b.toString('utf8'))
  if (f.has(3)) object.binaryData = map(f, 3, b => b.toString('base64'))
  if (f.has(4)) object.immutable = integer(f, 4) === 1
  return object
}

function deleteOptions(raw: Buffer): JsonMap {
  const f = readFields(raw)
  const options: JsonMap = { kind: 'DeleteOptions', apiVersion: 'v1' }
  const grace = integer(f, 1)
  if (grace !== undefined) options.gracePeriodSeconds = grace
  if (f.has(3)) options.orphanDependents = integer(f, 3) === 1
  const policy = text(f, 4)
  if (policy !== undefined) options.propagationPolicy = policy
  const dryRun = stringList(f, 5)
  if (dryRun.length > 0) options.dryRun = dryRun
  return options
}

const DECODERS: Record<string, (raw: Buffer) => JsonMap | KubeObject> = {
  Secret: secret,
  ConfigMap: configMap,
  DeleteOptions: deleteOptions
}

/** Decodes `k8s\0` + runtime.Unknown{typeMeta, raw} into the JSON the rest of the server reads. */
export function decodeProtobufBody(body: Buffer): JsonMap {
  if (!body.subarray(0, 4).equals(MAGIC))
    throw badRequest('protobuf body lacks the k8s magic prefix')
  const unknown = readFields(body.subarray(4))
  const typeMeta = readFields(bytes(unknown, 1) ?? Buffer.alloc(0))
  const kind = text(typeMeta, 2) ?? ''
  const decode = DECODERS[kind]
  if (!decode) {
    const message = `the simulator decodes protobuf only for Secret, ConfigMap and DeleteOptions, not ${kind || '(no kind)'}: send JSON`
    throw new ApiError(415, 'UnsupportedMediaType', message)
  }
  return decode(bytes(unknown, 2) ?? Buffer.alloc(0)) as JsonMap
}
