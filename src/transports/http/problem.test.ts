// problem+json mapping: every CorralError code to its status, Retry-After,
// HTTP-only problems, Fastify's 4xx errors, and 5xx that hide their message
// behind a logged errorId.
import fastify from 'fastify';
import pino from 'pino';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { CorralError, ErrorCode, type ErrorCode as Code } from '../../shared/errors.js';
import { HttpProblem, problemSchema, sendProblem } from './problem.js';

let app: { close(): PromiseLike<unknown> } | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function appThrowing(error: unknown, logLines: string[] = []) {
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, done) => (logLines.push(chunk.toString()), done()),
  });
  const instance = fastify({ loggerInstance: pino({ level: 'debug' }, sink) });
  instance.setErrorHandler((err, request, reply) => sendProblem(request, reply, err));
  instance.get('/boom', async () => {
    throw error;
  });
  app = instance;
  return instance;
}

const EXPECTED_STATUS: Record<Code, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  precondition_failed: 412,
  resource_exhausted: 429,
  unavailable: 503,
  internal: 500,
};

describe('sendProblem', () => {
  it.each(Object.values(ErrorCode))('maps %s to its status as problem+json', async (code) => {
    const response = await appThrowing(new CorralError(code, `the ${code} message`)).inject({
      method: 'GET',
      url: '/boom?x=1',
    });
    expect(response.statusCode).toBe(EXPECTED_STATUS[code]);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = problemSchema.parse(response.json());
    expect(problem).toMatchObject({
      type: `https://corral.dev/problems/${code}`,
      status: EXPECTED_STATUS[code],
      code,
      instance: '/boom',
      requestId: expect.any(String),
    });
    if (code !== ErrorCode.Internal) expect(problem.detail).toBe(`the ${code} message`);
  });

  it('carries field violations and Retry-After', async () => {
    const error = new CorralError(ErrorCode.ResourceExhausted, 'slow down', {
      retryAfterMs: 1500,
      violations: [{ field: 'a.b', description: 'bad' }],
    });
    const response = await appThrowing(error).inject({ method: 'GET', url: '/boom' });
    expect(response.headers['retry-after']).toBe('2');
    expect(response.json().errors).toEqual([{ field: 'a.b', description: 'bad' }]);
  });

  it('sends HTTP-only problems with their headers and extensions', async () => {
    const error = new HttpProblem(405, 'method_not_allowed', 'no', {
      headers: { allow: 'GET' },
      extensions: { hint: 'x' },
    });
    const response = await appThrowing(error).inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET');
    expect(response.json()).toMatchObject({
      code: 'method_not_allowed',
      title: 'Method not allowed',
      hint: 'x',
    });
  });

  it('hides an internal error behind an errorId that is logged with it', async () => {
    const logs: string[] = [];
    const response = await appThrowing(new Error('db password is hunter2'), logs).inject({
      method: 'GET',
      url: '/boom',
    });
    expect(response.statusCode).toBe(500);
    const problem = response.json();
    expect(problem.code).toBe('internal');
    expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('problem.test');
    const logged = logs.map((line) => JSON.parse(line)).find((line) => line.errorId === problem.errorId);
    expect(logged?.err?.message).toBe('db password is hunter2');
  });

  it('keeps a thrown 4xx status from Fastify-style errors', async () => {
    const response = await appThrowing(
      Object.assign(new Error('Unsupported Media Type'), {
        statusCode: 415,
        code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      }),
    ).inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({
      code: 'unsupported_media_type',
      detail: 'the request body must be application/json',
    });
  });
});
