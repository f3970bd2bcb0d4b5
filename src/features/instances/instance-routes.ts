// Admin API routes for the instances of a fleet: list them, drain one (its
// agents move to the others, in waves) and resume it, through any instance.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isInstanceId } from '../../infra/bus/instance-messenger.js';
import { addRoute, type RouteDependencies } from '../../transports/http/route-kit.js';
import { Role } from '../api-keys/api-key.js';
import {
  instanceJson,
  instanceListJsonSchema,
  instanceRequestJson,
  instanceRequestJsonSchema,
} from './instance-json.js';

const TAGS = ['instances'];

const instanceParams = z.strictObject({
  instanceId: z.string().refine(isInstanceId, 'must be 1-64 of [A-Za-z0-9._-]').describe('INSTANCE_ID'),
});

export async function instanceRoutes(app: FastifyInstance, { services }: RouteDependencies): Promise<void> {
  addRoute(app, {
    method: 'GET',
    url: '/instances',
    role: Role.Viewer,
    summary: 'List the live instances with their state and agent counts',
    tags: TAGS,
    responses: { 200: { description: 'Live instances', schema: instanceListJsonSchema } },
    handler: async () => ({ items: (await services.instances.list()).map(instanceJson) }),
  });
  addRoute(app, {
    method: 'POST',
    url: '/instances/:instanceId/drain',
    role: Role.Admin,
    summary: 'Drain an instance: move its agents to the other instances',
    description:
      'The instance refuses new agent streams (UNAVAILABLE with a retry delay), reports not ready on /readyz, ' +
      'and sends its agents a Drain (reason `operator_drain`) in waves of DRAIN_WAVE_SIZE every ' +
      'DRAIN_WAVE_INTERVAL. Any instance takes the request; one for another instance is passed to it. ' +
      'Follow the drain in GET /instances (state `draining`, agents falling to 0). Draining a draining ' +
      'instance changes nothing. The drain lasts until resumed or until the instance restarts.',
    tags: TAGS,
    params: instanceParams,
    responses: { 202: { description: 'Drain requested', schema: instanceRequestJsonSchema } },
    problems: [404],
    handler: async ({ params, context, reply }) =>
      reply.code(202).send(instanceRequestJson(await services.instances.drain(context, params.instanceId))),
  });
  addRoute(app, {
    method: 'POST',
    url: '/instances/:instanceId/resume',
    role: Role.Admin,
    summary: 'Resume a drained instance: it accepts agents again',
    description:
      'The instance accepts agent streams again and reports ready; agents already told to leave are not ' +
      'called back (they return as their own rotation brings them). Resuming a serving instance changes nothing.',
    tags: TAGS,
    params: instanceParams,
    responses: { 202: { description: 'Resume requested', schema: instanceRequestJsonSchema } },
    problems: [404],
    handler: async ({ params, context, reply }) =>
      reply.code(202).send(instanceRequestJson(await services.instances.resume(context, params.instanceId))),
  });
}
