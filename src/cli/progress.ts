// A progress bar on stderr for long CLI work (following a command or a bulk
// command to its end), drawn only when stderr is a terminal: in pipes, logs
// and scripts nothing is drawn and the plain status lines stay as they are.
import cliProgress from 'cli-progress';

export interface ProgressBar {
  /** Whether a bar is drawn (stderr is a terminal); if not, callers print plain lines instead. */
  readonly drawing: boolean;
  /** `done` of `total` (units named by the bar's label); `detail` is shown after the figures. */
  update(done: number, total: number, detail: string): void;
  stop(): void;
}

const NO_BAR: ProgressBar = { drawing: false, update: () => undefined, stop: () => undefined };

export function progressBar(
  label: string,
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): ProgressBar {
  if (!stream.isTTY) return NO_BAR;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `{bar} {value}/{total} ${label} | {detail}`,
      barsize: 30,
      hideCursor: true,
      gracefulExit: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    drawing: true,
    update(done, total, detail) {
      if (!started) {
        bar.start(total, done, { detail });
        started = true;
        return;
      }
      bar.setTotal(total);
      bar.update(done, { detail });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
