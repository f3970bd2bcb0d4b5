// The dashboard: the single-page app Vite builds from ui/ into dist/ui, served
// at / on the admin API port. Hashed files under /assets are cached for a year;
// index.html is never cached and is also the answer to any other GET for a
// page (the app routes in the browser), except under /api, /assets and the
// probes, which keep their 404 problems. The pages get their own
// Content-Security-Policy (same origin only, the live WebSocket included); the
// API keeps helmet's `default-src 'none'`. Static files are not rate limited:
// one page load fetches several, and the API calls behind them are limited.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` puts the dashboard, relative to the compiled (or source) module. */
export const DEFAULT_DASHBOARD_DIR = new URL('../../../dist/ui/', import.meta.url);

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
/** Paths the page fallback never answers: the API (its docs too), assets and probes keep their own 404s. */
const NOT_PAGES = /^\/(?:api|assets|docs|livez|readyz|metrics)(?:\/|$)/;

export interface Dashboard {
  /** Whether `path` (without query) is a page of the app, answered with index.html. */
  isPage(request: FastifyRequest): boolean;
  sendIndex(reply: FastifyReply): FastifyReply;
}

/** Whether the built dashboard is there (index.html in `dir`). */
export function dashboardBuilt(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

/**
 * Registers the dashboard's files from `dir` (which must hold index.html) and
 * returns what the not-found handler needs for the page fallback.
 */
export function registerDashboard(app: FastifyInstance, dir: string): Dashboard {
  const pageHeaders = (reply: FastifyReply) =>
    reply.header('content-security-policy', DASHBOARD_CSP).header('cache-control', 'no-cache');
  // Read once: it is small, and the not-found handler (outside the files' context) sends it too.
  const index = readFileSync(join(dir, 'index.html'));
  const sendIndex = (reply: FastifyReply) =>
    pageHeaders(reply).code(200).type('text/html; charset=utf-8').send(index);
  const topLevelFiles = readdirSync(dir).filter(
    (name) => name !== 'index.html' && ASSET_NAME.test(name) && statSync(join(dir, name)).isFile(),
  );
  app.register(async (files) => {
    // Only reply.sendFile: the routes below say what is served, so nothing else in dir can be.
    await files.register(fastifyStatic, { root: dir, serve: false, cacheControl: false });
    const common = { config: { rateLimit: false }, schema: { hide: true } } as const;
    files.get('/', common, async (_request, reply) => sendIndex(reply));
    files.get<{ Params: { '*': string } }>('/assets/*', common, async (request, reply) => {
      const name = request.params['*'];
      if (!ASSET_NAME.test(name)) return reply.callNotFound();
      return pageHeaders(reply)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .sendFile(`assets/${name}`);
    });
    for (const name of topLevelFiles) {
      files.get(`/${name}`, common, async (_request, reply) => pageHeaders(reply).sendFile(name));
    }
  });
  return {
    isPage: (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      const path = request.url.split('?')[0] ?? request.url;
      return !NOT_PAGES.test(path);
    },
    sendIndex,
  };
}
