// Where an agent keeps who it is between runs: the agent id and credential the
// server issued at enrollment, the server it enrolled with, and when. The file
// store writes one JSON file readable only by its owner (0600, in a 0700
// directory), atomically, so a crash mid-write never leaves a half identity.
// The credential lives in this file and nowhere else: not in logs, not in errors.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CorralError, ErrorCode, invalidArgument } from '../shared/errors.js';

export interface AgentIdentity {
  readonly agentId: string;
  readonly credential: string;
  /** The server address used at enrollment. */
  readonly serverAddress: string;
  /** ISO 8601 time of enrollment. */
  readonly enrolledAt: string;
}

export interface IdentityStore {
  /** The stored identity, or undefined when the agent has not enrolled yet. */
  load(): Promise<AgentIdentity | undefined>;
  save(identity: AgentIdentity): Promise<void>;
  /** Forgets the identity, so that the next start enrolls again. */
  clear(): Promise<void>;
}

export const IDENTITY_FILE_NAME = 'identity.json';
const FORMAT_VERSION = 1;

const identityFileSchema = z.strictObject({
  version: z.literal(FORMAT_VERSION),
  agentId: z.string().min(1).max(128),
  credential: z.string().min(1).max(1024),
  serverAddress: z.string().min(1).max(1024),
  enrolledAt: z.iso.datetime({ offset: true }),
});

/** Keeps the identity as `identity.json` in a private state directory. */
export class FileIdentityStore implements IdentityStore {
  readonly path: string;

  constructor(readonly stateDir: string) {
    this.path = join(stateDir, IDENTITY_FILE_NAME);
  }

  async load(): Promise<AgentIdentity | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw new CorralError(
        ErrorCode.Internal,
        `cannot read agent identity file ${this.path}: ${errnoText(error)}`,
        {
          cause: error,
        },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.corrupt('it is not valid JSON');
    }
    const parsed = identityFileSchema.safeParse(json);
    if (!parsed.success) {
      throw this.corrupt(`invalid or missing ${issueFields(parsed.error)}`);
    }
    const { agentId, credential, serverAddress, enrolledAt } = parsed.data;
    return { agentId, credential, serverAddress, enrolledAt };
  }

  async save(identity: AgentIdentity): Promise<void> {
    const parsed = identityFileSchema.safeParse({ version: FORMAT_VERSION, ...identity });
    if (!parsed.success)
      throw invalidArgument(`refusing to store an invalid agent identity (${issueFields(parsed.error)})`);
    const content = parsed.data;
    try {
      await this.ensurePrivateDirectory();
    } catch (error) {
      if (error instanceof CorralError) throw error;
      throw new CorralError(
        ErrorCode.Internal,
        `cannot prepare agent state directory ${this.stateDir}: ${errnoText(error)}`,
        { cause: error },
      );
    }
    const temp = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      // O_EXCL: never follow or reuse a file someone else placed at the temp name.
      const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw new CorralError(
        ErrorCode.Internal,
        `cannot write agent identity file ${this.path}: ${errnoText(error)}`,
        {
          cause: error,
        },
      );
    }
    await this.syncDirectory();
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }

  private async ensurePrivateDirectory(): Promise<void> {
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const info = await stat(this.stateDir);
    if (!info.isDirectory()) {
      throw new CorralError(
        ErrorCode.PreconditionFailed,
        `agent state path ${this.stateDir} is not a directory`,
      );
    }
    // mkdir's mode is filtered by the umask; the directory we own must end up private.
    // A directory others can write to (say /tmp) is refused rather than chmod-ed:
    // it is not ours to change, and another user could swap the identity file.
    if ((info.mode & 0o022) !== 0) {
      throw new CorralError(
        ErrorCode.PreconditionFailed,
        `agent state directory ${this.stateDir} is writable by other users (mode ${octal(info.mode)}); ` +
          'use a private directory (chmod 700)',
      );
    }
    if ((info.mode & 0o777) !== 0o700) await chmod(this.stateDir, 0o700);
  }

  private async syncDirectory(): Promise<void> {
    // Makes the rename itself durable; not every platform lets a directory be fsync-ed.
    try {
      const handle = await open(this.stateDir, constants.O_RDONLY);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // Best effort.
    }
  }

  private corrupt(reason: string): CorralError {
    return new CorralError(
      ErrorCode.PreconditionFailed,
      `agent identity file ${this.path} is corrupt (${reason}); restore it, or delete it to enroll again`,
    );
  }
}

/** Keeps the identity in memory only; for simulated agents and tests. */
export class MemoryIdentityStore implements IdentityStore {
  private identity: AgentIdentity | undefined;

  constructor(initial?: AgentIdentity) {
    this.identity = initial;
  }

  async load(): Promise<AgentIdentity | undefined> {
    return this.identity;
  }

  async save(identity: AgentIdentity): Promise<void> {
    this.identity = { ...identity };
  }

  async clear(): Promise<void> {
    this.identity = undefined;
  }
}

/** The offending fields, never their values: one of them is the credential. */
function issueFields(error: z.ZodError): string {
  return [...new Set(error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}

function errnoText(error: unknown): string {
  const errno = error as NodeJS.ErrnoException;
  return errno?.code ?? (error instanceof Error ? error.message : String(error));
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;
