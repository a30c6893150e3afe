import { actionInputs } from '../common/runtime.js'

// Branch names and prefixes reach git as arguments: keep them to characters git refs commonly
// use, and never starting with '-', so that no value can read as an option or a revision range.
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[A-Za-z0-9._/+-]{1,200}(?<![/.])$/
const PREFIX = /^[A-Za-z0-9._/-]{0,40}$/
const LABEL = /^[0-9A-Za-z-]{1,40}$/

export interface VersionTagInputs {
  branch: string
  tagPrefix: string
  labels: { develop: string; release: string; hotfix: string }
  createTag: boolean
  githubToken: string
}

export function getInputs(): VersionTagInputs {
  const inputs = actionInputs()
  const label = (name: string, fallback: string) =>
    inputs.matching(
      name,
      LABEL,
      'letters, digits and "-" (a SemVer pre-release identifier)',
      fallback
    )
  return {
    branch: inputs.matching(
      'branch',
      BRANCH,
      'a git branch name such as develop, release/1.2.0 or feature/my-model (letters, digits, ".", "_", "-", "/" and "+"; not starting with "-")'
    ),
    tagPrefix: inputs.matching(
      'tag-prefix',
      PREFIX,
      'letters, digits, ".", "_", "-" or "/", at most 40 characters',
      'v'
    ),
    labels: {
      develop: label('develop-label', 'alpha'),
      release: label('release-label', 'beta'),
      hotfix: label('hotfix-label', 'beta')
    },
    createTag: inputs.bool('create-tag', false),
    githubToken: inputs.secret('github-token')
  }
}
