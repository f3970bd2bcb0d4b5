// The identity file on a temp dir: permissions, atomic replacement, corrupt files, no leaks.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorralError } from '../shared/errors.js';
import type { AgentIdentity } from './identity-store.js';
import { FileIdentityStore, IDENTITY_FILE_NAME, MemoryIdentityStore } from './identity-store.js';

const identity: AgentIdentity = {
  agentId: 'edge-01',
  credential: 'cac_secret-value-that-must-not-leak',
  serverAddress: 'corral.example:7443',
  enrolledAt: '2026-01-01T00:00:00.000Z',
};

describe('FileIdentityStore', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'corral-identity-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('has nothing to load before the first save', async () => {
    expect(await new FileIdentityStore(join(root, 'state')).load()).toBeUndefined();
  });

  it('round-trips an identity and creates the directory', async () => {
    const store = new FileIdentityStore(join(root, 'nested', 'state'));
    await store.save(identity);
    expect(await new FileIdentityStore(join(root, 'nested', 'state')).load()).toEqual(identity);
  });

  it('makes the file 0600 and the directory 0700, whatever the umask', async () => {
    const previous = process.umask(0o000);
    try {
      const store = new FileIdentityStore(join(root, 'state'));
      await store.save(identity);
      expect((await stat(store.path)).mode & 0o777).toBe(0o600);
      expect((await stat(store.stateDir)).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });

  it('tightens an existing directory that only others can read', async () => {
    const dir = join(root, 'state');
    await mkdir(dir);
    await chmod(dir, 0o755);
    await new FileIdentityStore(dir).save(identity);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('refuses a directory that others can write to', async () => {
    const dir = join(root, 'shared');
    await mkdir(dir);
    await chmod(dir, 0o777);
    await expect(new FileIdentityStore(dir).save(identity)).rejects.toThrow(/writable by other users/);
  });

  it('replaces the file atomically and leaves no temporary files behind', async () => {
    const store = new FileIdentityStore(join(root, 'state'));
    await store.save(identity);
    await store.save({ ...identity, serverAddress: 'other:7443' });
    expect((await store.load())?.serverAddress).toBe('other:7443');
    expect(await readdir(store.stateDir)).toEqual([IDENTITY_FILE_NAME]);
  });

  it('rejects a corrupt file with an error naming the file', async () => {
    const store = new FileIdentityStore(join(root, 'state'));
    await store.save(identity);
    await writeFile(store.path, '{"version":1,"agentId":');
    const error = await store.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorralError);
    expect((error as CorralError).message).toContain(store.path);
    expect((error as CorralError).message).toMatch(/not valid JSON/);
  });

  it('names the invalid fields but never echoes the credential', async () => {
    const store = new FileIdentityStore(join(root, 'state'));
    await store.save(identity);
    const stored = JSON.parse(await readFile(store.path, 'utf8')) as Record<string, unknown>;
    await writeFile(store.path, JSON.stringify({ ...stored, agentId: '', enrolledAt: 'yesterday' }));
    const error = (await store.load().catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(store.path);
    expect(error.message).toMatch(/agentId/);
    expect(error.message).toMatch(/enrolledAt/);
    expect(error.message).not.toContain(identity.credential);
  });

  it('rejects unknown fields and future format versions', async () => {
    const store = new FileIdentityStore(join(root, 'state'));
    await store.save(identity);
    const stored = JSON.parse(await readFile(store.path, 'utf8')) as Record<string, unknown>;
    await writeFile(store.path, JSON.stringify({ ...stored, version: 2 }));
    await expect(store.load()).rejects.toThrow(/version/);
    await writeFile(store.path, JSON.stringify({ ...stored, token: 'x' }));
    await expect(store.load()).rejects.toThrow(/corrupt/);
  });

  it('refuses to store an invalid identity without echoing it', async () => {
    const store = new FileIdentityStore(join(root, 'state'));
    const error = (await store.save({ ...identity, agentId: '' }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(CorralError);
    expect(error.message).toMatch(/agentId/);
    expect(error.message).not.toContain(identity.credential);
  });

  it('clear forgets the identity', async () => {
    const store = new FileIdentityStore(join(root, 'state'));
    await store.save(identity);
    await store.clear();
    expect(await store.load()).toBeUndefined();
    await store.clear();
  });
});

describe('MemoryIdentityStore', () => {
  it('keeps a copy in memory', async () => {
    const store = new MemoryIdentityStore();
    expect(await store.load()).toBeUndefined();
    await store.save(identity);
    expect(await store.load()).toEqual(identity);
    await store.clear();
    expect(await store.load()).toBeUndefined();
  });
});
