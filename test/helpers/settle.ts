/**
 * Options for `vi.waitFor` in tests that wait for a render or a callback. Its default timeout (1 s)
 * is shorter than a loaded 2-core CI machine can guarantee for a React render; the outcome being
 * waited for is deterministic, so a long timeout only changes how long a real failure takes to report.
 */
export const SETTLE = {timeout: 15_000, interval: 10} as const;
