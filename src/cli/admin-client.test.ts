import { describe, expect, it } from 'vitest';
import { readBody } from './admin-client.js';

describe('readBody', () => {
  it('reads the body chunk by chunk, reporting bytes received of the announced total', async () => {
    const parts = ['{"a":', '"é', 'x"}'].map((part) => new TextEncoder().encode(part));
    const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    });
    const seen: [number, number][] = [];
    const text = await readBody(
      new Response(stream, { headers: { 'content-length': String(total) } }),
      (received, of) => seen.push([received, of]),
    );
    expect(text).toBe('{"a":"éx"}');
    expect(seen.at(-1)).toEqual([total, total]);
    expect(seen.map(([received]) => received)).toEqual([...seen.map(([r]) => r)].sort((a, b) => a - b));
  });

  it('reports a total of 0 when the server does not announce one', async () => {
    const seen: number[] = [];
    await readBody(new Response('abc'), (_received, total) => seen.push(total));
    expect(seen.every((total) => total === 0)).toBe(true);
  });
});
