#!/usr/bin/env node
// `npm run demo`: a Corral server plus 25 simulated agents, for a first look.
// Uses its own database (./data/demo.db) and admin key, printed at start.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminApi, waitReady } from './lib/local-server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corral = join(root, 'bin/corral.js');
const adminKey = process.env.ADMIN_API_KEY ?? `cak_${randomBytes(32).toString('base64url')}`;
const apiPort = process.env.DEMO_API_PORT ?? '8080';
const grpcPort = process.env.DEMO_GRPC_PORT ?? '50051';
const apiUrl = `http://127.0.0.1:${apiPort}`;
mkdirSync(join(root, 'data'), { recursive: true });

const server = spawn(process.execPath, [corral, 'serve'], {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    ADMIN_API_KEY: adminKey,
    STORE_URL: process.env.STORE_URL ?? `sqlite:${join(root, 'data/demo.db')}`,
    ADMIN_API_ADDR: `127.0.0.1:${apiPort}`,
    GRPC_SERVER_ADDR: `127.0.0.1:${grpcPort}`,
    METRICS_ADDR: process.env.METRICS_ADDR ?? '127.0.0.1:2112',
    HEARTBEAT_INTERVAL: '5s',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  },
});
let simulator;
const stop = () => {
  simulator?.kill('SIGTERM');
  server.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', (code) => {
  simulator?.kill('SIGTERM');
  process.exitCode = code ?? 0;
});

const api = adminApi(apiUrl, adminKey);

try {
  await waitReady(apiUrl);
  const { secret } = await api('POST', '/api/v1/enrollment-secrets', { name: 'demo', maxUses: 1000 });
  process.stdout.write(
    `\nDemo: 25 simulated agents are joining.\n  export CORRAL_API_URL=${apiUrl} CORRAL_API_KEY=${adminKey}\n  npx corral agents ls\n  API docs: ${apiUrl}/api/v1/docs\nCtrl-C stops everything.\n\n`,
  );
  simulator = spawn(
    process.execPath,
    [
      corral,
      'simulate',
      '--server',
      `127.0.0.1:${grpcPort}`,
      '--enroll-secret',
      secret,
      '--agents',
      '25',
      '--ramp-up',
      '5s',
      '--id-prefix',
      'demo',
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
} catch (error) {
  process.stderr.write(`demo: ${error.message}\n`);
  stop();
}
