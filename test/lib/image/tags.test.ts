import { InputError, UserError } from '../../../src/lib/errors.js'
import {
  imageLabels,
  imageTags,
  parseLabels,
  resolveCreated,
  TREE_LABEL
} from '../../../src/lib/image/tags.js'

const sha = '0123456789abcdef0123456789abcdef01234567'
const tree = 'fedcba9876543210fedcba9876543210fedcba98'

describe('image tags', () => {
  it('gives a release its version, minor, major and latest, then sha and tree tags', () => {
    expect(imageTags({ version: 'v1.2.3', sha, tree })).toEqual([
      '1.2.3',
      '1.2',
      '1',
      'latest',
      'sha-0123456',
      `tree-${tree}`
    ])
  })

  it('never moves latest or the floating tags for a prerelease', () => {
    expect(imageTags({ version: '1.3.0-beta.1', sha })).toEqual(['1.3.0-beta.1', 'sha-0123456'])
  })

  it('replaces + build metadata, which tags cannot hold', () => {
    expect(imageTags({ version: '1.3.0-rc.1+build.7' })).toEqual(['1.3.0-rc.1-build.7'])
    expect(imageTags({ version: '2.0.0+exp' })).toEqual(['2.0.0-exp', '2.0', '2', 'latest'])
  })

  it('does not make a major-only tag for 0.x releases', () => {
    expect(imageTags({ version: '0.4.1' })).toEqual(['0.4.1', '0.4', 'latest'])
  })

  it('adds extra tags once and rejects invalid ones, naming the input', () => {
    expect(imageTags({ version: '1.0.0', extra: ['stable', 'latest'] })).toEqual([
      '1.0.0',
      '1.0',
      '1',
      'latest',
      'stable'
    ])
    expect(() => imageTags({ extra: ['bad tag;rm -rf'] })).toThrow(InputError)
    expect(() => imageTags({ extra: ['-leading'] })).toThrow('Input "tags" is "-leading"')
    expect(() => imageTags({ extra: ['x'.repeat(129)] })).toThrow(InputError)
    expect(() => imageTags({ version: '1.2' })).toThrow(
      'Input "version" is "1.2"; accepted: a semantic version'
    )
    expect(() => imageTags({ tree: 'abc' })).toThrow(InputError)
  })
})

describe('image labels', () => {
  it('sets the OCI labels and the tree label; extra labels win', () => {
    const labels = imageLabels({
      version: 'v1.2.3',
      revision: sha,
      source: 'https://github.com/org/model',
      created: new Date('2026-01-02T03:04:05Z'),
      tree,
      extra: parseLabels('team=ml\norg.opencontainers.image.source = https://example.com/mirror')
    })
    expect(labels).toEqual({
      'org.opencontainers.image.created': '2026-01-02T03:04:05Z',
      'org.opencontainers.image.source': 'https://example.com/mirror',
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.revision': sha,
      [TREE_LABEL]: tree,
      team: 'ml'
    })
  })

  it('rejects a label line without a key', () => {
    expect(() => parseLabels('=value')).toThrow('Input "labels" is "=value"')
  })
})

describe('creation time', () => {
  it('prefers SOURCE_DATE_EPOCH, then the commit time, and never falls back to the clock', () => {
    expect(
      resolveCreated({
        sourceDateEpoch: '1700000000',
        commitTime: '2020-01-01T00:00:00Z'
      }).toISOString()
    ).toBe('2023-11-14T22:13:20.000Z')
    expect(resolveCreated({ commitTime: '2020-01-01T00:00:00+02:00' }).toISOString()).toBe(
      '2019-12-31T22:00:00.000Z'
    )
    expect(() => resolveCreated({})).toThrow(UserError)
    expect(() => resolveCreated({ sourceDateEpoch: 'yesterday' })).toThrow(InputError)
  })
})
