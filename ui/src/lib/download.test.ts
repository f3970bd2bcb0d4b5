import { describe, expect, it } from 'vitest';
import { attachmentName } from './download';

describe('attachment name', () => {
  it("is the server's file name, quoted or not", () => {
    expect(attachmentName('attachment; filename="corral-backup-b1.json"', 'x.json')).toBe(
      'corral-backup-b1.json',
    );
    expect(attachmentName('attachment; filename=corral-state-s1.json', 'x.json')).toBe(
      'corral-state-s1.json',
    );
  });

  it('falls back when there is none or it could name a path', () => {
    expect(attachmentName(null, 'backup.json')).toBe('backup.json');
    expect(attachmentName('attachment', 'backup.json')).toBe('backup.json');
    expect(attachmentName('attachment; filename="../../etc/passwd"', 'backup.json')).toBe('backup.json');
  });
});
