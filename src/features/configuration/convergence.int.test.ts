// Convergence end to end in one process (issue 4): the real server and real
// reference agents over gRPC. A group layer reaches exactly the group's
// connected members, who apply it (new digest, new log level and interval)
// while the others keep the fleet's; the server's view and the group's
// compliance follow; a higher-priority group wins for its members; a relabel
// that moves an agent out of a dynamic group brings it back to the fleet's
// configuration; a bulk update reaches exactly the agents it selects.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentClient } from '../../agent/agent-client.js';
import { admin, startConvergence, until, type Convergence } from './convergence.fixtures.js';

let c: Convergence;
beforeEach(async () => {
  c = await startConvergence();
});
afterEach(() => c.close());

const desiredHash = async (agentId: string) =>
  (await c.corral.services.configuration.agentView(agentId)).desired.hash;

/** Three connected agents (two labelled site=lab) that run the fleet's configuration, and its digest. */
async function fleetOfThree(): Promise<{
  lab1: AgentClient;
  lab2: AgentClient;
  hq: AgentClient;
  fleet: string;
}> {
  const lab1 = c.agent('lab-1', { labels: { site: 'lab' } });
  const lab2 = c.agent('lab-2', { labels: { site: 'lab', tier: 'edge' } });
  const hq = c.agent('hq-1', { labels: { site: 'hq' } });
  await until(() => {
    for (const agent of [lab1, lab2, hq]) expect(agent.stats.configurationsApplied).toBe(1);
  });
  const fleet = await desiredHash('hq-1');
  for (const agent of [lab1, lab2, hq])
    expect(agent.stats).toMatchObject({ configHash: fleet, logLevel: 'info' });
  return { lab1, lab2, hq, fleet };
}

const labGroup = (priority = 10) =>
  c.corral.services.groups.create(admin, {
    name: 'lab',
    kind: 'dynamic',
    selector: { site: 'lab' },
    priority,
  });

const setGroupLayer = (groupId: string, document: object) =>
  c.corral.services.configuration.updateLayer(admin, { kind: 'group', id: groupId }, { document }, undefined);

describe('group configuration converges on the connected members', () => {
  it('reaches the members only, shows them compliant, and lets the higher-priority group win', async () => {
    const { lab1, lab2, hq, fleet } = await fleetOfThree();
    const lab = await labGroup(10);
    await setGroupLayer(lab.id, { logLevel: 'debug', reportIntervalSeconds: 2 });

    const labHash = await desiredHash('lab-1');
    expect(labHash).not.toBe(fleet);
    expect(await desiredHash('lab-2')).toBe(labHash);
    await until(() => {
      for (const agent of [lab1, lab2])
        expect(agent.stats).toMatchObject({
          configHash: labHash,
          logLevel: 'debug',
          heartbeatIntervalMs: 2_000,
          configuration: { logLevel: 'debug', reportIntervalSeconds: 2 },
        });
    });
    // The agent outside the group was not sent anything new.
    expect(hq.stats).toMatchObject({ configHash: fleet, logLevel: 'info', configurationsApplied: 1 });
    expect(await desiredHash('hq-1')).toBe(fleet);

    // The server's view: applied digest == desired digest, compliant, over the group and the fleet.
    await until(async () => {
      for (const id of ['lab-1', 'lab-2']) {
        const view = await c.corral.services.configuration.agentView(id);
        expect(view.upToDate).toBe(true);
        expect(view.state).toMatchObject({
          config: { desiredHash: labHash, appliedHash: labHash, status: 'applied' },
          compliance: 'compliant',
        });
      }
      expect((await c.corral.services.configuration.compliance()).byCompliance).toMatchObject({
        compliant: 3,
      });
    });
    const compliance = await c.http(`GET`, `/api/v1/groups/${lab.id}/compliance`);
    expect(compliance).toEqual({
      status: 200,
      body: {
        total: 2,
        byCompliance: { unknown: 0, pending: 0, compliant: 2, non_compliant: 0 },
        compliantPercent: 100,
      },
    });
    expect((await c.corral.services.groups.summary(lab.id)).compliance).toMatchObject({ compliant: 2 });

    // A static group of higher priority overrides logLevel for its member; the lab layer still gives the interval.
    const canary = await c.corral.services.groups.create(admin, {
      name: 'canary',
      kind: 'static',
      priority: 20,
    });
    await c.corral.services.groups.addMembers(admin, canary.id, { agentIds: ['lab-2'] });
    await setGroupLayer(canary.id, { logLevel: 'warn' });
    const canaryHash = await desiredHash('lab-2');
    expect(canaryHash).not.toBe(labHash);
    await until(() =>
      expect(lab2.stats).toMatchObject({
        configHash: canaryHash,
        logLevel: 'warn',
        heartbeatIntervalMs: 2_000,
      }),
    );
    expect(lab1.stats).toMatchObject({ configHash: labHash, logLevel: 'debug' });
    const layers = (await c.corral.services.configuration.agentView('lab-2')).desired.layers;
    expect(layers.map((l) => l.scope)).toEqual([
      { kind: 'group', id: lab.id },
      { kind: 'group', id: canary.id },
    ]);
    await until(async () =>
      expect(await c.stateOf('lab-2')).toMatchObject({
        config: { appliedHash: canaryHash },
        compliance: 'compliant',
      }),
    );
  });

  it("brings an agent relabelled out of the dynamic group back to the fleet's configuration", async () => {
    const { lab1, lab2, fleet } = await fleetOfThree();
    const lab = await labGroup();
    await setGroupLayer(lab.id, { logLevel: 'debug' });
    const labHash = await desiredHash('lab-1');
    await until(() => {
      for (const agent of [lab1, lab2]) expect(agent.stats.configHash).toBe(labHash);
    });

    await c.corral.services.agents.updateMetadata(admin, 'lab-1', { labels: { site: 'hq' } });
    expect(await desiredHash('lab-1')).toBe(fleet);
    await until(() => expect(lab1.stats).toMatchObject({ configHash: fleet, logLevel: 'info' }));
    await until(async () =>
      expect(await c.stateOf('lab-1')).toMatchObject({
        config: { desiredHash: fleet, appliedHash: fleet },
        compliance: 'compliant',
      }),
    );
    expect(lab2.stats.configHash).toBe(labHash);
    expect((await c.corral.services.configuration.groupCompliance(lab.id)).total).toBe(1);

    // And back in: the group's configuration again.
    await c.corral.services.agents.updateMetadata(admin, 'lab-1', { labels: { site: 'lab' } });
    await until(() => expect(lab1.stats).toMatchObject({ configHash: labHash, logLevel: 'debug' }));
  });
});

describe('bulk updates', () => {
  it('reach exactly the agents the selector names', async () => {
    const { lab1, lab2, hq, fleet } = await fleetOfThree();
    const response = await c.http<{ results: { agentId: string; revision: number }[] }>(
      'POST',
      '/api/v1/configuration/bulk',
      {
        target: { kind: 'selector', labels: { site: 'lab' } },
        patch: { metadata: { rack: 'r7' }, metrics: { detailed: true } },
        reason: 'perf study',
      },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.results.map((r) => [r.agentId, r.revision]).sort()).toEqual([
      ['lab-1', 1],
      ['lab-2', 1],
    ]);
    await until(() => {
      for (const agent of [lab1, lab2])
        expect(agent.stats.configuration).toMatchObject({
          metadata: { rack: 'r7' },
          metrics: { detailed: true },
        });
    });
    // Each selected agent got its own layer (so its own digest is the same content: same hash).
    expect(lab1.stats.configHash).toBe(await desiredHash('lab-1'));
    expect(lab2.stats.configHash).toBe(lab1.stats.configHash);
    expect(hq.stats).toMatchObject({ configHash: fleet, configurationsApplied: 1 });
    expect((await c.corral.services.configuration.getLayer({ kind: 'agent', id: 'hq-1' })).revision).toBe(0);
    await until(async () => {
      for (const id of ['lab-1', 'lab-2'])
        expect(await c.stateOf(id)).toMatchObject({
          config: { appliedHash: lab1.stats.configHash },
          compliance: 'compliant',
        });
    });
  });
});
