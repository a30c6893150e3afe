// Runs once before all test files. Servers are started by the test files that need them (see
// test/support/), so that one file can run alone; this only checks the machine is prepared.
import { existsSync } from 'node:fs'

export default function globalSetup(): void {
  if (!existsSync('.tools/helm3/helm') || !existsSync('.tools/helm4/helm')) {
    throw new Error(
      'Helm binaries are missing from .tools/: run `node scripts/setup.mjs` (npm test does).'
    )
  }
}
