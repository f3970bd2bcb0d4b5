// One rule for suites that need something outside the process (a service, a
// binary, a browser): when it is there, the suite runs. When it is missing,
// under CI one test fails saying what is missing and how to get it (CI must run
// everything); elsewhere the suite is skipped with a loud warning, so a
// developer without the service still sees that something did not run.
import { describe, it } from 'vitest';

/** Whether CI is set (any value but empty, 0 or false). */
export const underCi = (): boolean => !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

export function describeRequiring(
  name: string,
  /** Why the suite cannot run, or undefined when it can. */
  missing: string | undefined,
  /** How to get what is missing, e.g. "start it: scripts/ci/ensure-services.sh". */
  remedy: string,
  body: () => void,
): void {
  if (missing === undefined) {
    describe(name, body);
    return;
  }
  if (underCi()) {
    describe(name, () => {
      it('has what it needs', () => {
        throw new Error(`${missing}; CI is set, so this fails instead of skipping (${remedy})`);
      });
    });
    return;
  }
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPING "${name}": ${missing}.\n!! ${remedy} — under CI this fails.\n${'!'.repeat(78)}\n`,
  );
  describe.skip(name, body);
}
