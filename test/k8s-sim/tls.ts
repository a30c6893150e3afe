import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

export interface ServingCertificate {
  key: string
  cert: string
}

let generated: Promise<ServingCertificate> | undefined

/**
 * A self-signed certificate for 127.0.0.1, made once per process with the system `openssl`.
 * client-go sends kubeconfig credentials only over TLS, so tests that prove a kubeconfig's
 * token is used need HTTPS; the certificate doubles as the kubeconfig's certificate authority.
 */
export function servingCertificate(): Promise<ServingCertificate> {
  generated ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-sim-tls-'))
    try {
      await promisify(execFile)('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=k8s-sim',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem')
      ])
      return {
        key: readFileSync(join(dir, 'key.pem'), 'utf8'),
        cert: readFileSync(join(dir, 'cert.pem'), 'utf8')
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })()
  return generated
}
