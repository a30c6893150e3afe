// The GitHub REST API simulator: see README.md for what it models.
export {
  startGitHubSimulator,
  type GitHubSimulator,
  type GitHubSimulatorOptions
} from './server.js'
export type { FaultSpec, Faults } from './faults.js'
export type { CommitSpec, SimulatorState, Violation } from './state.js'
