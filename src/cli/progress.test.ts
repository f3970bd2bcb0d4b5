import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar } from './progress.js';

const terminal = (isTTY: boolean) => {
  const stream = Object.assign(new PassThrough(), {
    isTTY,
    columns: 120,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
  });
  let written = '';
  stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
  return { stream, written: () => written };
};

describe('progressBar', () => {
  it('draws done/total with the label and detail on a terminal', () => {
    const { stream, written } = terminal(true);
    const bar = progressBar('agents finished', stream);
    bar.update(3, 10, 'running');
    bar.update(10, 10, 'succeeded');
    bar.stop();
    expect(written()).toContain('10/10 agents finished | succeeded');
  });

  it('draws nothing when the stream is not a terminal', () => {
    const { stream, written } = terminal(false);
    const bar = progressBar('agents finished', stream);
    bar.update(3, 10, 'running');
    bar.stop();
    expect(written()).toBe('');
  });
});
