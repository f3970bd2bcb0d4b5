// What the fleet benchmarks (bench/config.js, bench/ui.js) share besides the
// server: reading their flags (a bad one exits 2 naming it), waiting for a
// condition, and starting `corral simulate` processes that split a fleet.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './local-server.js';

export const CORRAL_BIN = join(dirname(fileURLToPath(import.meta.url)), '../../bin/corral.js');

/** Readers for `flags` (from parseArgs) that exit 2 with `<bench>: <message>` on a bad value. */
export function flagReader(bench, flags) {
  const usage = (message) => {
    process.stderr.write(`${bench}: ${message}\n`);
    process.exit(2);
  };
  return {
    usage,
    positive(name) {
      const n = Number(flags[name]);
      if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a positive whole number`);
      return n;
    },
    /** `--name 30s` (or plain seconds) in milliseconds. */
    seconds(name) {
      const m = /^(\d+)s?$/.exec(flags[name]);
      if (!m) usage(`--${name} must be a number of seconds such as 30s`);
      return Number(m[1]) * 1000;
    },
  };
}

/** Polls `check` every `pollMs` until it returns something truthy; throws after `timeoutMs`. */
export async function until(what, timeoutMs, check, pollMs = 50) {
  const giveUp = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > giveUp)
      throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(pollMs);
  }
}

/**
 * Starts `processes` `corral simulate` processes with `agents` agents in all (ids `<idPrefix>-<p>-…`),
 * each agent on its own connection, ramping up over `rampUpMs` and heartbeating every 30 s; their
 * stderr goes to `output`. Returns the child processes.
 */
export function startSimulators({ grpcAddress, secret, agents, processes, rampUpMs, idPrefix, output }) {
  return Array.from({ length: processes }, (_, p) => {
    const count = Math.floor(agents / processes) + (p < agents % processes ? 1 : 0);
    const sim = spawn(
      process.execPath,
      [
        CORRAL_BIN,
        'simulate',
        ...['--server', grpcAddress, '--enroll-secret', secret, '--agents', String(count)],
        ...['--ramp-up', `${rampUpMs}ms`, '--heartbeat-interval', '30s', '--id-prefix', `${idPrefix}-${p}`],
        ...['--report-interval', '0'],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    sim.stderr.on('data', (chunk) => output.push(`[sim ${p}] ${chunk}`));
    return sim;
  });
}
