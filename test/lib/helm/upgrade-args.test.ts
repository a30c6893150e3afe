import { describe, expect, test } from '@jest/globals'
import {
  atomicFlags,
  helmDuration,
  supportsReleaseLabels,
  waitFlags
} from '../../../src/lib/helm/flags.js'
import { parseHelmVersion } from '../../../src/lib/helm/helm-cli.js'
import type { UpgradeSpec } from '../../../src/lib/helm/upgrade.js'
import { checkComputed, labelValue, upgradeArgs } from '../../../src/lib/helm/upgrade.js'

const v3 = parseHelmVersion('v3.17.3+ge4da497')!
const v4 = parseHelmVersion('v4.1.4')!
const v312 = parseHelmVersion('v3.12.0')!

const spec: UpgradeSpec = {
  release: 'app',
  namespace: 'prod',
  chart: 'oci://registry.local/charts/model-server',
  chartVersion: '0.1.0',
  valuesFiles: ['values.yaml', 'values-prod.yaml'],
  inlineValuesFile: '/tmp/inline.yaml',
  computed: [
    ['image.repository', 'registry.local/model'],
    ['canary.weight', 10],
    ['canary.enabled', true]
  ],
  atomic: true,
  wait: true,
  timeoutMs: 300_000,
  historyMax: 10,
  createNamespace: false,
  plainHttp: true,
  description: 'mlops-actions deploy version=v1',
  labels: { 'mlops.version': 'v1' }
}

describe('helm upgrade arguments', () => {
  test('Helm 3: --atomic and --wait; values files in order, then inline values, then our values', () => {
    expect(upgradeArgs(spec, v3)).toEqual([
      'upgrade',
      'app',
      'oci://registry.local/charts/model-server',
      '--install',
      '--namespace',
      'prod',
      '--version',
      '0.1.0',
      '--values',
      'values.yaml',
      '--values',
      'values-prod.yaml',
      '--values',
      '/tmp/inline.yaml',
      '--set-string',
      'image.repository=registry.local/model',
      '--set-json',
      'canary.weight=10',
      '--set-json',
      'canary.enabled=true',
      '--atomic',
      '--wait',
      '--timeout',
      '300s',
      '--history-max',
      '10',
      '--plain-http',
      '--description',
      'mlops-actions deploy version=v1',
      '--labels',
      'mlops.version=v1',
      '--output',
      'json'
    ])
  })

  test('Helm 4: --rollback-on-failure and an explicit watcher wait', () => {
    const args = upgradeArgs(spec, v4)
    expect(args).toContain('--rollback-on-failure')
    expect(args).toContain('--wait=watcher')
    expect(args).not.toContain('--atomic')
    expect(args).not.toContain('--wait')
  })

  test('no wait and no atomic means neither flag; Helm before 3.13 gets no labels', () => {
    const args = upgradeArgs(
      { ...spec, atomic: false, wait: false, plainHttp: false, createNamespace: true },
      v312
    )
    expect(args.filter(a => a.startsWith('--wait') || a === '--atomic')).toEqual([])
    expect(args).not.toContain('--labels')
    expect(args).not.toContain('--plain-http')
    expect(args).toContain('--create-namespace')
    expect(supportsReleaseLabels(v312)).toBe(false)
    expect(waitFlags(v4, false)).toEqual([])
    expect(atomicFlags(v3, false)).toEqual([])
  })

  test('durations, label values and computed values that --set would misread', () => {
    expect(helmDuration(90_000)).toBe('90s')
    expect(helmDuration(1500)).toBe('1500ms')
    expect(labelValue('1.2.3+build.4')).toBe('1.2.3_build.4')
    expect(labelValue(`-${'x'.repeat(80)}`)).toHaveLength(63)
    expect(() => checkComputed([['image.repository', 'a,b']])).toThrow(/comma/)
    expect(() => checkComputed([['image repository', 'a']])).toThrow(/value name/)
  })

  test('Helm version text', () => {
    expect(v3).toMatchObject({ text: 'v3.17.3+ge4da497', major: 3, minor: 17, patch: 3 })
    expect(parseHelmVersion('garbage')).toBeUndefined()
  })
})
