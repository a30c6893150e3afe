// Starts the simulator from the command line, for the demo and for poking at it by hand:
//   node test/k8s-sim/cli.mjs (bundled, fast start) or npx tsx test/k8s-sim/cli.ts [--port N] [--kubeconfig PATH] [--namespace NS] [--rollout-delay MS]
// Prints one JSON line {"url","port","kubeconfig"} on stdout once it listens, then serves until
// SIGINT/SIGTERM or `POST /_sim/stop`.
import { parseArgs } from 'node:util'
import { startK8sSimulator } from './simulator.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    kubeconfig: { type: 'string' },
    namespace: { type: 'string' },
    'rollout-delay': { type: 'string', default: '0' },
    tls: { type: 'boolean', default: false },
    token: { type: 'string' },
    help: { type: 'boolean', default: false }
  }
})

if (values.help) {
  console.log(
    'usage: node test/k8s-sim/cli.mjs [--port N] [--kubeconfig PATH] [--namespace NS] [--rollout-delay MS] [--tls [--token T]]'
  )
  process.exit(0)
}

const sim = await startK8sSimulator({
  port: Number(values.port),
  rolloutDelayMs: Number(values['rollout-delay']),
  ...(values.kubeconfig ? { kubeconfigPath: values.kubeconfig } : {}),
  ...(values.namespace ? { namespace: values.namespace } : {}),
  ...(values.tls ? { tls: true } : {}),
  ...(values.token ? { token: values.token } : {})
})
console.log(JSON.stringify({ url: sim.url, port: sim.port, kubeconfig: sim.kubeconfigPath }))
console.error(
  `k8s-sim: a simulated Kubernetes API on ${sim.url} (admin routes under ${sim.url}/_sim/); KUBECONFIG=${sim.kubeconfigPath}`
)

const shutdown = () => {
  void sim.stop().then(() => process.exit(0))
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
const stopped = sim.stop
sim.stop = async () => {
  await stopped()
  process.exit(0)
}
