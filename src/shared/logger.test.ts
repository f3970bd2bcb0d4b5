import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, formatPretty } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', format: 'json', destination }) };
}

describe('logger', () => {
  it('redacts secrets wherever they appear', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        credential: 'cac_secret',
        req: { headers: { authorization: 'Bearer cas_x' } },
        nested: { token: 'cas_y', apiKey: 'cak_z' },
      },
      'hello',
    );
    const text = lines.join('');
    for (const secret of ['cac_secret', 'cas_x', 'cas_y', 'cak_z']) expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({ msg: 'hello', credential: '[redacted]', service: 'corral' });
  });

  it('formats a JSON line for people', () => {
    const line = JSON.stringify({
      level: 40,
      time: '2026-01-01T00:00:00.000Z',
      component: 'grpc',
      msg: 'plaintext',
      host: '0.0.0.0',
      port: 50051,
    });
    expect(formatPretty(line)).toBe(
      '2026-01-01T00:00:00.000Z WARN  [grpc] plaintext host=0.0.0.0 port=50051\n',
    );
  });
});
