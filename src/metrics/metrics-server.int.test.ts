import { afterEach, describe, expect, it } from 'vitest';
import { CorralMetrics } from './corral-metrics.js';
import { FIXED_FLEET_GAUGES } from './corral-metrics.fixtures.js';
import { MetricsServer } from './metrics-server.js';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function scrape() {
  const metrics = new CorralMetrics(FIXED_FLEET_GAUGES);
  metrics.agentsMarkedStale.inc({ status: 'inactive' }, 2);
  metrics.grpcRequests.inc({ method: 'Connect' });
  metrics.grpcErrors.inc({ method: 'Heartbeat', code: '3' });
  server = new MetricsServer(metrics.registry);
  const { port } = await server.listen('127.0.0.1', 0);
  return { port, response: await fetch(`http://127.0.0.1:${port}/metrics`) };
}

describe('metrics endpoint', () => {
  it('exposes the fleet, gRPC and process metrics under Prometheus names', async () => {
    const { response } = await scrape();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    for (const line of [
      'corral_agent_connections 3',
      'corral_agents_live 4',
      'corral_agent_state_pending 1',
      'corral_heartbeats_received_total 42',
      'corral_events_published_total 7',
      'corral_agents{status="online"} 3',
      'corral_agents{status="decommissioned"} 2',
      'corral_agents_by_health{health="degraded"} 1',
      'corral_commands{status="succeeded"} 5',
      'corral_commands_delivered_total 9',
      'corral_command_reports_total 11',
      'corral_grpc_requests_total{method="Connect"} 1',
      'corral_grpc_errors_total{method="Heartbeat",code="3"} 1',
      'corral_message_queue_oldest_age_seconds{queue="dispatch"} 12.5',
      'corral_message_queue_oldest_age_seconds{queue="placement"} 0',
      'corral_outbox_events 17',
      'corral_outbox_oldest_age_seconds 4.25',
      'corral_maintenance_mode 1',
      'corral_agents_marked_stale_total{status="inactive"} 2',
      // Exported at zero before the first agent goes silent, so rate() and increase() see the first one.
      'corral_agents_marked_stale_total{status="offline"} 0',
      'corral_cache_errors_total{operation="get"} 1',
      'corral_leader{lease="background-sweeps"} 1',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toMatch(/^corral_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^corral_process_cpu_seconds_total [\d.e+-]+/m);
    // Counters end in _total, and nothing else does (promtool check metrics refuses it); nothing is
    // labelled by agent.
    for (const match of text.matchAll(/^# TYPE (\S+) (\w+)$/gm))
      expect(match[1]?.endsWith('_total'), `${match[1]} (${match[2]})`).toBe(match[2] === 'counter');
    expect(text).not.toMatch(/agent_id=|agentId=/);
  });

  it('serves nothing but /metrics', async () => {
    const { port } = await scrape();
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(404);
  });
});
