// Each test file stops what it started; nothing is shared across files to tear down here.
export default function globalTeardown(): void {}
