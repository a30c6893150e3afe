import { describe, expect, test } from '@jest/globals'
import {
  chartNameOf,
  chartVersionOf,
  describeDeploy,
  origin,
  parseDescription,
  parseHistory
} from '../../../src/lib/helm/release-history.js'
import { history, ours } from './fake-helm.js'

describe('release history', () => {
  test('the description marker round-trips and ignores text that is not ours', () => {
    const marker = {
      action: 'deploy',
      version: 'v1.2.3',
      digest: `sha256:${'a'.repeat(64)}`,
      image: 'r/m',
      strategy: 'direct',
      run: 'https://x/runs/1'
    }
    expect(parseDescription(describeDeploy(marker))).toEqual(marker)
    expect(parseDescription('Upgrade complete')).toBeUndefined()
    expect(parseDescription('Rollback to 3')).toBeUndefined()
    expect(parseDescription('mlops-actions switch active=green unknown=1')).toEqual({
      action: 'switch',
      active: 'green'
    })
  })

  test('chart name and version split at the first -<digit>.<digit>', () => {
    expect(chartVersionOf('model-server-0.1.0')).toBe('0.1.0')
    expect(chartNameOf('model-server-0.1.0')).toBe('model-server')
    expect(chartVersionOf('my-app-2-1.0.0-rc.1')).toBe('1.0.0-rc.1')
    expect(chartNameOf('my-app-2-1.0.0-rc.1')).toBe('my-app-2')
  })

  test('parses revisions, markers and rollbacks; origin follows rollbacks of rollbacks', () => {
    const revisions = parseHistory(
      history(
        [1, 'superseded', ours('v1', 'a')],
        [2, 'superseded', ours('v2', 'b')],
        [3, 'superseded', 'Rollback to 1'],
        [4, 'deployed', 'Rollback to 3'],
        [5, 'weird', 'x']
      )
    )
    expect(revisions.map(r => [r.revision, r.status, r.rollbackOf])).toEqual([
      [1, 'superseded', undefined],
      [2, 'superseded', undefined],
      [3, 'superseded', 1],
      [4, 'deployed', 3],
      [5, 'unknown', undefined]
    ])
    expect(revisions[0]?.marker?.version).toBe('v1')
    expect(origin(revisions, revisions[3]!).revision).toBe(1)
  })
})
