// Reading postgres:// store URLs: Corral's parameters taken out, the rest left
// for pg, and no message or printable form carrying the password.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { DEFAULT_POOL_SIZE, isPostgresUrl, postgresLocation } from './postgres-url.js';

describe('postgresLocation', () => {
  it('takes both schemes, with a default pool and the server search_path', () => {
    for (const url of ['postgres://corral@db:5432/corral', 'postgresql://corral@db:5432/corral']) {
      expect(isPostgresUrl(url)).toBe(true);
      expect(postgresLocation(url)).toMatchObject({
        connectionString: url,
        poolSize: DEFAULT_POOL_SIZE,
        schema: undefined,
        options: undefined,
      });
    }
    expect(isPostgresUrl('postgres:corral')).toBe(false);
    expect(isPostgresUrl('sqlite:./corral.db')).toBe(false);
  });

  it('takes pool and schema out of the URL and keeps the other parameters for pg', () => {
    const location = postgresLocation(
      'postgres://corral:s3cret@db:5432/corral?sslmode=require&pool=25&schema=fleet_a&application_name=corral',
    );
    expect(location.poolSize).toBe(25);
    expect(location.schema).toBe('fleet_a');
    expect(location.options).toBe('-c search_path=fleet_a');
    expect(location.connectionString).toBe(
      'postgres://corral:s3cret@db:5432/corral?sslmode=require&application_name=corral',
    );
  });

  it("keeps the URL's own server options and adds the search_path after them", () => {
    const location = postgresLocation(
      'postgres://db/corral?options=-c%20statement_timeout%3D5000&schema=corral',
    );
    expect(location.options).toBe('-c statement_timeout=5000 -c search_path=corral');
    expect(location.connectionString).toBe('postgres://db/corral');
  });

  it('prints the user, host, port and database, never the password or parameters', () => {
    expect(postgresLocation('postgres://corral:hunter2@db.internal:6543/fleet?pool=3').display).toBe(
      'postgres://corral@db.internal:6543/fleet',
    );
  });

  it.each([
    ['pool=0', 'pool'],
    ['pool=1001', 'pool'],
    ['pool=ten', 'pool'],
    ['pool=', 'pool'],
    ['schema=Fleet', 'schema'],
    ['schema=a;drop', 'schema'],
    ['schema=1abc', 'schema'],
    ['schema=', 'schema'],
  ])('refuses %s without echoing the password', (query, named) => {
    const read = () => postgresLocation(`postgres://corral:hunter2@db/corral?${query}`);
    expect(read).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
    expect(read).toThrow(new RegExp(named));
    expect(read).not.toThrow(/hunter2/);
  });

  it('refuses what is not a postgres URL', () => {
    expect(() => postgresLocation('postgres://[broken')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
    expect(() => postgresLocation('mysql://db/corral')).toThrow(/postgres:\/\//);
  });
});
