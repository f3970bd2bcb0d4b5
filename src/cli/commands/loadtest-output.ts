// What `corral loadtest` shows: a progress line on stderr every report
// interval (above a progress bar when stderr is a terminal, never otherwise,
// so logs and pipes stay clean) and the report on stdout: one JSON object
// with -o json, else a summary table, the failure reasons and the failed
// commands.
import cliProgress from 'cli-progress';
import type { LoadTestProgress, LoadTestReport } from '../../loadtest/load-test-report.js';
import { perSecond } from '../../loadtest/load-test-report.js';
import type { OutputFormat } from '../output.js';
import { printRecords, renderTable } from '../output.js';

/** One progress line; the rate is over the interval since `previous`. */
export function formatProgress(now: LoadTestProgress, previous?: LoadTestProgress): string {
  const finished = now.successful + now.failed;
  const before = previous ? previous.successful + previous.failed : 0;
  const rate = perSecond(finished - before, now.elapsedMs - (previous?.elapsedMs ?? 0));
  const seconds = (now.elapsedMs / 1_000).toFixed(1);
  return (
    `[${seconds.padStart(7)}s] ${now.phase} | agents ${now.connected}/${now.agents}` +
    ` | sent ${now.sent}/${now.plannedCommands} (${now.inFlight} in flight)` +
    ` | finished ${finished}: ${now.successful} ok, ${now.failed} failed, ${now.outstanding} waiting` +
    ` | ${rate}/s | p95 ${now.p95Ms} ms`
  );
}

/** The summary as metric/value rows, figures with their units. */
export function summaryRows(report: LoadTestReport): { metric: string; value: unknown }[] {
  const times = report.responseTimeMs;
  return [
    { metric: 'agents', value: report.agents },
    { metric: 'commands per agent', value: report.commandsPerAgent },
    { metric: 'types', value: report.types },
    { metric: 'total commands', value: `${report.totalCommands} of ${report.plannedCommands} planned` },
    { metric: 'successful', value: `${report.successful} (${report.successPercent}%)` },
    { metric: 'failed', value: `${report.failed} (${report.failedPercent}%)` },
    ...Object.entries(report.outcomes).map(([status, count]) => ({ metric: `  ${status}`, value: count })),
    { metric: 'response time average', value: `${times.average} ms` },
    { metric: 'response time p95', value: `${times.p95} ms` },
    { metric: 'response time p99', value: `${times.p99} ms` },
    { metric: 'response time max', value: `${times.max} ms` },
    { metric: 'timed commands', value: times.count },
    { metric: 'throughput', value: `${report.throughputPerSecond} commands/s` },
    { metric: 'connect', value: `${report.connectMs} ms` },
    { metric: 'sending', value: `${report.sendingMs} ms` },
    { metric: 'drain', value: `${report.drainMs} ms` },
    ...(report.interrupted ? [{ metric: 'interrupted', value: 'yes (signal)' }] : []),
  ];
}

/** Failed commands listed in a table (JSON lists all the report holds). */
const MAX_TABLE_FAILURES = 20;

export function printReport(format: OutputFormat, report: LoadTestReport): void {
  if (format === 'json') {
    printRecords(format, report, [], []);
    return;
  }
  const parts = [renderTable(summaryRows(report), ['metric', 'value'])];
  if (report.failureReasons.length > 0) parts.push(renderTable(report.failureReasons, ['count', 'reason']));
  if (report.failedCommands.length > 0) {
    const shown = report.failedCommands.slice(0, MAX_TABLE_FAILURES).map((failed) => ({ ...failed }));
    const heading =
      shown.length < report.failed ? `first ${shown.length} of ${report.failed} failed commands:\n` : '';
    parts.push(heading + renderTable(shown, ['commandId', 'agentId', 'type', 'status', 'reason']));
  }
  process.stdout.write(parts.join('\n'));
}

const BAR_REDRAW_MS = 200;

/** Starts progress output for a running load test; stop() ends it (call it in every case). */
export function showProgress(
  source: { progress(): LoadTestProgress },
  reportIntervalMs: number,
  stream: NodeJS.WriteStream,
): { stop(): void } {
  const bar = stream.isTTY ? progressBar(stream, source.progress()) : undefined;
  let previous = source.progress();
  const report =
    reportIntervalMs > 0
      ? setInterval(() => {
          const now = source.progress();
          const line = `${formatProgress(now, previous)}\n`;
          if (bar) bar.log(line);
          else stream.write(line);
          previous = now;
        }, reportIntervalMs).unref()
      : undefined;
  const redraw = bar ? setInterval(() => bar.update(source.progress()), BAR_REDRAW_MS).unref() : undefined;
  return {
    stop: () => {
      clearInterval(report);
      clearInterval(redraw);
      bar?.update(source.progress());
      bar?.stop();
    },
  };
}

function progressBar(stream: NodeJS.WriteStream, first: LoadTestProgress) {
  const bars = new cliProgress.MultiBar(
    {
      stream,
      format: '{bar} {percentage}% | {value}/{total} finished | {successful} ok, {failed} failed | {phase}',
      barsize: 30,
      // We stop the bar ourselves on a signal; its own handlers would fight the load test's.
      gracefulExit: false,
      hideCursor: null,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(first.plannedCommands, 0, payload(first));
  return {
    update: (now: LoadTestProgress) => bar.update(now.successful + now.failed, payload(now)),
    log: (line: string) => bars.log(line),
    stop: () => bars.stop(),
  };
}

const payload = (p: LoadTestProgress) => ({ successful: p.successful, failed: p.failed, phase: p.phase });
