// `corral loadtest` as an operator runs it (the built CLI as a child process):
// a complete in-process run with -o json whose figures add up, progress kept
// off stdout, exit 1 when the server cannot be reached, 2 on a bad flag.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadTestReport } from '../../src/loadtest/load-test-report.js';
import { freePorts, generateAdminKey, REPO_ROOT } from '../support/server-process.js';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `corral loadtest …`; the run bounds itself (connect and drain timeouts), the 90 s cap is a backstop. */
function loadtest(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'bin/corral.js'), 'loadtest', ...args],
      { env: { ...process.env, CORRAL_API_KEY: '', CORRAL_API_URL: '' }, timeout: 90_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

describe('corral loadtest', () => {
  it('runs against an in-process server and prints one JSON report whose figures add up', async () => {
    const run = await loadtest([
      '--in-process',
      '--agents',
      '5',
      '--commands-per-agent',
      '4',
      '--ramp-up',
      '0',
      '--report-interval',
      '100ms',
      '-o',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as LoadTestReport;
    expect(report.totalCommands).toBe(5 * 4);
    expect(report.successful + report.failed).toBe(report.totalCommands);
    expect(report.successful).toBe(20);
    expect(report.responseTimeMs.count).toBe(20);
    expect(report.responseTimeMs.p95).toBeLessThanOrEqual(report.responseTimeMs.p99);
    expect(report.responseTimeMs.p99).toBeLessThanOrEqual(report.responseTimeMs.max);
    expect(report.throughputPerSecond).toBeGreaterThan(0);
    // Not a terminal: progress lines on stderr, never a bar.
    expect(run.stderr).toMatch(/\] (connecting|sending|draining|finishing) \| agents \d+\/5/);
    expect(run.stderr).not.toContain('█');
  });

  it('exits 1 when the admin API cannot be reached', async () => {
    const [port] = await freePorts(1);
    const run = await loadtest([
      '--server',
      `127.0.0.1:${port}`,
      '--api-url',
      `http://127.0.0.1:${port}`,
      '--api-key',
      generateAdminKey(),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot reach the Corral admin API');
    expect(run.stdout).toBe('');
  });

  it('exits 2 on a bad flag, naming it', async () => {
    const run = await loadtest(['--in-process', '--commands-per-agent', 'many']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--commands-per-agent');
  });
});
