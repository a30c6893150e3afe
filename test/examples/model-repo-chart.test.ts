// The example model's Helm chart, linted and rendered by the real Helm 3 and Helm 4 in every mode
// deploy-helm uses: stable, canary, blue-green colour and blue-green router.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { runCommand } from '../../src/lib/command.js'
import { CHART_DIR } from './model-repo.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const HELMS = [
  ['Helm 3', `${ROOT}.tools/helm3/helm`],
  ['Helm 4', `${ROOT}.tools/helm4/helm`]
] as const

const DIGEST = `sha256:${'4f'.repeat(32)}`
const REPOSITORY = '127.0.0.1:5000/model-server'

type Values = Record<string, string>

/** The values deploy-helm sets for each release of the application `app`. */
const MODES: Record<string, { release: string; values: Values }> = {
  stable: { release: 'app', values: { 'ingress.enabled': 'true' } },
  canary: {
    release: 'app-canary',
    values: {
      track: 'canary',
      'canary.enabled': 'true',
      'canary.weight': '25',
      'ingress.enabled': 'true',
      'env.FAULT_ERROR_RATE': '0.5'
    }
  },
  blue: {
    release: 'app-blue',
    values: { 'blueGreen.enabled': 'true', 'blueGreen.role': 'color', 'blueGreen.color': 'blue' }
  },
  green: {
    release: 'app-green',
    values: { 'blueGreen.enabled': 'true', 'blueGreen.role': 'color', 'blueGreen.color': 'green' }
  },
  router: {
    release: 'app',
    values: {
      'blueGreen.enabled': 'true',
      'blueGreen.role': 'router',
      'blueGreen.activeColor': 'green',
      'blueGreen.name': 'app'
    }
  }
}

interface K8sObject {
  kind: string
  metadata: { name: string; labels?: Values; annotations?: Values }
  spec: any // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** `--set` rather than `--set-string`: numbers and booleans reach the chart typed, as from
 * deploy-helm, so the schema sees what it will see in real use. */
function setArgs(values: Values): string[] {
  const image = { 'image.repository': REPOSITORY, 'image.digest': DIGEST }
  return Object.entries({ ...image, ...values }).flatMap(([key, value]) => [
    '--set',
    `${key}=${value}`
  ])
}

for (const [helmName, helm] of HELMS) {
  describe(`the model-server chart with ${helmName}`, () => {
    beforeAll(() => {
      if (!existsSync(helm)) throw new Error(`${helm} is missing: run node scripts/setup.mjs`)
    })

    async function render(release: string, values: Values): Promise<K8sObject[]> {
      const { stdout } = await runCommand(helm, [
        'template',
        release,
        CHART_DIR,
        ...setArgs(values)
      ])
      return parseAllDocuments(stdout)
        .map(document => document.toJSON() as K8sObject | null)
        .filter((object): object is K8sObject => object !== null)
    }

    async function renderError(values: Values): Promise<string> {
      const result = await runCommand(helm, ['template', 'app', CHART_DIR, ...setArgs(values)], {
        check: false
      })
      expect(result.code).not.toBe(0)
      return result.stderr
    }

    function one(objects: K8sObject[], kind: string): K8sObject {
      const found = objects.filter(object => object.kind === kind)
      expect(found).toHaveLength(1)
      return found[0]!
    }

    it.each(Object.keys(MODES))('lints cleanly (--strict) as the %s release', async mode => {
      const { values } = MODES[mode]!
      const result = await runCommand(helm, ['lint', CHART_DIR, '--strict', ...setArgs(values)], {
        check: false
      })
      expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed')
      expect(result.code).toBe(0)
    })

    it('renders the stable release pinned by digest, with its track and an ordinary Ingress', async () => {
      const objects = await render('app', { ...MODES.stable!.values, 'image.tag': 'ignored' })
      expect(objects.map(object => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
        'Deployment/app',
        'Ingress/app',
        'Service/app'
      ])
      const deployment = one(objects, 'Deployment')
      const pod = deployment.spec.template
      const container = pod.spec.containers[0]
      expect(container.image).toBe(`${REPOSITORY}@${DIGEST}`)
      expect(pod.metadata.labels).toMatchObject({ track: 'stable', 'mlops.example/app': 'app' })
      expect(container.env).toEqual(expect.arrayContaining([{ name: 'TRACK', value: 'stable' }]))
      expect(container.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' })
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' })
      expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true' })
      expect(one(objects, 'Service').spec.selector).toEqual(deployment.spec.selector.matchLabels)
      expect(one(objects, 'Ingress').metadata.annotations ?? {}).not.toHaveProperty([
        'nginx.ingress.kubernetes.io/canary'
      ])
    })

    it('uses the tag when no digest is given', async () => {
      const { stdout } = await runCommand(helm, [
        'template',
        'app',
        CHART_DIR,
        '--set-string',
        'image.repository=example/model',
        '--set-string',
        'image.tag=1.4.0'
      ])
      expect(stdout).toContain('image: "example/model:1.4.0"')
    })

    it('renders the canary release with its track, weight, canary Ingress and injected faults', async () => {
      const objects = await render('app-canary', MODES.canary!.values)
      expect(objects.map(object => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
        'Deployment/app-canary',
        'Ingress/app-canary',
        'Service/app-canary'
      ])
      const pod = one(objects, 'Deployment').spec.template
      expect(pod.metadata.labels).toMatchObject({ track: 'canary', 'mlops.example/app': 'app' })
      expect(pod.spec.containers[0].env).toEqual(
        expect.arrayContaining([
          { name: 'TRACK', value: 'canary' },
          { name: 'FAULT_ERROR_RATE', value: '0.5' }
        ])
      )
      const ingress = one(objects, 'Ingress')
      expect(ingress.metadata.annotations).toMatchObject({
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': '25'
      })
      // nginx only splits traffic when the canary Ingress has the stable one's host and path.
      const stableIngress = one(await render('app', MODES.stable!.values), 'Ingress')
      expect(ingress.spec.rules[0].host).toBe(stableIngress.spec.rules[0].host)
      expect(ingress.spec.rules[0].http.paths[0].path).toBe(
        stableIngress.spec.rules[0].http.paths[0].path
      )
      expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe('app-canary')
    })

    it('renders a colour release as a Deployment with its colour and a preview Service', async () => {
      const objects = await render('app-green', {
        ...MODES.green!.values,
        'ingress.enabled': 'true'
      })
      expect(objects.map(object => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
        'Deployment/app-green',
        'Service/app-green-preview'
      ])
      const deployment = one(objects, 'Deployment')
      expect(deployment.spec.template.metadata.labels).toMatchObject({
        color: 'green',
        'mlops.example/app': 'app',
        track: 'stable'
      })
      expect(deployment.spec.template.spec.containers[0].image).toBe(`${REPOSITORY}@${DIGEST}`)
      expect(one(objects, 'Service').spec.selector).toEqual(deployment.spec.selector.matchLabels)
    })

    it('renders the router as only the public Service, selecting the active colour', async () => {
      const objects = await render('app', MODES.router!.values)
      expect(objects.map(object => `${object.kind}/${object.metadata.name}`)).toEqual([
        'Service/app'
      ])
      const service = one(objects, 'Service')
      expect(service.spec.selector).toEqual({
        'app.kubernetes.io/name': 'model-server',
        'mlops.example/app': 'app',
        color: 'green'
      })
      // The router selects the pods of the active colour release, whatever that release's name.
      const green = one(await render('app-green', MODES.green!.values), 'Deployment')
      const podLabels = green.spec.template.metadata.labels as Values
      for (const [key, value] of Object.entries(service.spec.selector as Values)) {
        expect(podLabels[key]).toBe(value)
      }
      const blue = one(await render('app-blue', MODES.blue!.values), 'Deployment')
      expect(blue.spec.template.metadata.labels.color).toBe('blue')
    })

    it('switches colour by changing only the router Service selector', async () => {
      const toGreen = await render('app', MODES.router!.values)
      const toBlue = await render('app', {
        ...MODES.router!.values,
        'blueGreen.activeColor': 'blue'
      })
      expect(toBlue).toHaveLength(1)
      const [green, blue] = [toGreen[0]!, toBlue[0]!]
      expect(blue.spec.selector).toEqual({ ...green.spec.selector, color: 'blue' })
      expect({ ...blue.spec, selector: null }).toEqual({ ...green.spec, selector: null })
      expect(blue.metadata.name).toBe(green.metadata.name)
    })

    it.each([
      ['a canary deploy', ['stable', 'canary']],
      ['a blue-green deploy', ['blue', 'green', 'router']]
    ])('names the objects of the releases that run together in %s apart', async (_, modes) => {
      const names: string[] = []
      for (const mode of modes as string[]) {
        const { release, values } = MODES[mode]!
        for (const object of await render(release, { ...values, 'ingress.enabled': 'true' })) {
          names.push(`${object.kind}/${object.metadata.name}`)
        }
      }
      expect(names.length).toBeGreaterThan(modes.length)
      expect(new Set(names).size).toBe(names.length)
    })

    it('rejects values outside the contract, naming the key', async () => {
      // Helm 3 names a key canary.weight, Helm 4 /canary/weight.
      const key = (path: string) => new RegExp(path.replace('.', '[./]'))
      expect(await renderError({ 'canary.weight': '101' })).toMatch(key('canary.weight'))
      expect(await renderError({ track: 'beta' })).toMatch(/track/)
      expect(await renderError({ 'blueGreen.color': 'red' })).toMatch(key('blueGreen.color'))
      expect(await renderError({ 'blueGreen.role': 'primary' })).toMatch(key('blueGreen.role'))
      expect(await renderError({ 'image.digest': 'latest' })).toMatch(key('image.digest'))
      expect(await renderError({ 'canary.enabled': 'true' })).toContain(
        'canary.enabled=true needs track=canary'
      )
      expect(
        await renderError({
          'canary.enabled': 'true',
          track: 'canary',
          'blueGreen.enabled': 'true'
        })
      ).toContain('canary.enabled and blueGreen.enabled cannot both be true')
    })
  })
}
