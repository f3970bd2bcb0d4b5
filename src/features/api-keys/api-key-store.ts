import type { ApiKey } from './api-key.js';

export interface ApiKeyStore {
  insert(key: ApiKey): Promise<void>;
  get(id: string): Promise<ApiKey | undefined>;
  findByHash(keyHash: string): Promise<ApiKey | undefined>;
  revoke(id: string, at: number): Promise<boolean>;
  touch(id: string, at: number): Promise<void>;
  count(): Promise<number>;
  list(page: {
    afterId?: string;
    limit: number;
  }): Promise<{ items: ApiKey[]; nextAfterId: string | undefined }>;
}
