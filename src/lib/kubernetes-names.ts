/** Kubernetes and Helm naming rules, checked before anything is sent to a cluster. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** A namespace is a DNS-1123 label: lower-case alphanumerics and '-', at most 63 characters. */
export function isNamespaceName(name: string): boolean {
  return name.length <= 63 && DNS1123_LABEL.test(name)
}

/**
 * Helm's release-name rule (pkg/chartutil ValidateReleaseName): a DNS-1123 label of at most 53
 * characters, leaving room for the suffixes Helm and charts add. `-canary`, `-blue` and
 * `-green` releases are derived from it, so the base name is held to 53 less the longest suffix.
 */
export const RELEASE_NAME_MAX = 53
export function isReleaseName(name: string, maxLength = RELEASE_NAME_MAX): boolean {
  return name.length <= maxLength && DNS1123_LABEL.test(name)
}
