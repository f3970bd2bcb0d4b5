// Which methods each registered path accepts, so that a request for a known
// path with the wrong method gets 405 with an Allow header instead of 404.
// Fastify does not expose its router, so patterns are recorded from onRoute.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem, sendProblem } from './problem.js';

interface RoutePattern {
  readonly pattern: RegExp;
  readonly methods: Set<string>;
}

export class RouteTable {
  private readonly routes = new Map<string, RoutePattern>();

  add(methods: string | readonly string[], url: string): void {
    let entry = this.routes.get(url);
    if (!entry) {
      entry = { pattern: toPattern(url), methods: new Set() };
      this.routes.set(url, entry);
    }
    for (const method of typeof methods === 'string' ? [methods] : methods)
      entry.methods.add(method.toUpperCase());
  }

  /** The methods some route accepts for this concrete path; empty when no route matches it. */
  allowedMethods(path: string): string[] {
    const allowed = new Set<string>();
    for (const { pattern, methods } of this.routes.values()) {
      if (pattern.test(path)) for (const method of methods) allowed.add(method);
    }
    return [...allowed].sort();
  }
}

/** `/api/v1/agents/:id` → /^\/api\/v1\/agents\/[^/]+$/; `*` matches the rest. */
function toPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return '[^/]+';
      if (segment === '*') return '.*';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

/** Answers GETs for the dashboard's pages with its index.html (see dashboard.ts). */
export interface PageFallback {
  isPage(request: FastifyRequest): boolean;
  sendIndex(reply: FastifyReply): FastifyReply;
}

/**
 * Records every route and answers unknown ones with 404 or 405 problems, or,
 * once `pages()` returns a fallback, with the dashboard for its pages.
 */
export function installNotFoundHandler(app: FastifyInstance, pages: () => PageFallback | undefined): void {
  const table = new RouteTable();
  app.addHook('onRoute', (route) => table.add(route.method, route.url));
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const fallback = pages();
    if (fallback?.isPage(request)) return fallback.sendIndex(reply);
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = table.allowedMethods(path);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      return sendProblem(
        request,
        reply,
        new HttpProblem(
          405,
          'method_not_allowed',
          `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`,
          { headers: { allow: allowed.join(', ') } },
        ),
      );
    }
    return sendProblem(
      request,
      reply,
      new HttpProblem(404, 'not_found', `no route for ${request.method} ${path}`),
    );
  });
}
