/** What the simulated kubelet does with a container image a test has marked. */
export type ImageRule =
  | { pattern: string | RegExp; mode: 'broken'; reason: string }
  | { pattern: string | RegExp; mode: 'fail-later'; afterMs: number }

/** `*` matches any run of characters; without one the image must match exactly. */
export function imageMatches(pattern: string | RegExp, image: string): boolean {
  if (pattern instanceof RegExp) return pattern.test(image)
  const regex = new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`)
  return regex.test(image)
}

function escape(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
}

export function ruleFor(
  rules: readonly ImageRule[],
  images: readonly string[]
): ImageRule | undefined {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]
    if (rule && images.some(image => imageMatches(rule.pattern, image))) return rule
  }
  return undefined
}
