import { readCanaryGateInputs } from '../../src/actions/canary-gate/inputs.js'
import { readDeployHelmInputs } from '../../src/actions/deploy-helm/inputs.js'
import { InputReader } from '../../src/lib/inputs.js'

// One rule for every credential of the suite: never in clear text to a non-local host.
const reader = (values: Record<string, string>) => new InputReader(name => values[name] ?? '')
const METRICS = '- name: up\n  query: up\n  max: 1'

describe('a Prometheus token', () => {
  it('is refused over http:// to a host that is not local', async () => {
    await expect(
      readCanaryGateInputs(
        reader({
          'prometheus-url': 'http://prometheus.example.com:9090',
          'prometheus-token': 'secret-token',
          metrics: METRICS
        })
      )
    ).rejects.toThrow(
      /Input "prometheus-token".*a token never travels in clear text to a non-local host such as prometheus\.example\.com:9090/
    )
  })

  it.each(['https://prometheus.example.com', 'http://127.0.0.1:9090', 'http://prometheus:9090'])(
    'goes to %s',
    async url => {
      const inputs = await readCanaryGateInputs(
        reader({ 'prometheus-url': url, 'prometheus-token': 'secret-token', metrics: METRICS })
      )
      expect(inputs.prometheusToken).toBe('secret-token')
    }
  )
})

describe("deploy-helm's plain-http", () => {
  const base = { release: 'model', namespace: 'prod', 'plain-http': 'true' }

  it('is refused for an OCI chart registry that is not local', async () => {
    await expect(
      readDeployHelmInputs(reader({ ...base, chart: 'oci://ghcr.io/acme/charts/model' }))
    ).rejects.toThrow('Input "plain-http"')
    await expect(
      readDeployHelmInputs(reader({ ...base, chart: 'oci://ghcr.io/acme/charts/model' }))
    ).rejects.toThrow('plain HTTP is allowed only for local registries')
  })

  it('is allowed for a local one', async () => {
    const inputs = await readDeployHelmInputs(
      reader({ ...base, chart: 'oci://127.0.0.1:5000/charts/model' })
    )
    expect(inputs.plainHttp).toBe(true)
  })
})
