// U+0000 in text from outside is refused at the transports (HTTP bodies,
// queries and path parameters; every gRPC request and stream message), before
// any service sees it. PostgreSQL `text` cannot hold the character at all (the
// write would fail as an internal error after validation passed), and SQLite
// would store it; refusing it everywhere keeps both stores, and what the one
// exports and the other imports, the same.
import { invalidArgument } from './errors.js';

const NUL = '\u0000';

/**
 * The path (`a.b.0.c`; `(root)` for the value itself) of the first string or object key
 * holding U+0000 in a parsed JSON value or decoded message, or undefined. Iterative: a deeply
 * nested body cannot overflow the stack. Byte arrays (protobuf `bytes`) are not text and are skipped.
 */
export function pathOfNulCharacter(value: unknown): string | undefined {
  const pending: [unknown, string][] = [[value, '']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, path] = next;
    if (typeof item === 'string') {
      if (item.includes(NUL)) return path || '(root)';
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push([item[i], join(path, String(i))]);
    } else if (typeof item === 'object' && item !== null && !ArrayBuffer.isView(item)) {
      for (const [key, member] of Object.entries(item)) {
        if (key.includes(NUL)) return join(path, JSON.stringify(key));
        pending.push([member, join(path, key)]);
      }
    }
  }
  return undefined;
}

const join = (path: string, part: string): string => (path === '' ? part : `${path}.${part}`);

/** Throws INVALID_ARGUMENT naming where `value` holds U+0000 (`where` prefixes the field path). */
export function refuseNulCharacters(value: unknown, where: string): void {
  const path = pathOfNulCharacter(value);
  if (path === undefined) return;
  const field = path === '(root)' ? where : where === '' ? path : `${where}.${path}`;
  throw invalidArgument('invalid input', [
    { field, description: 'must not contain the NUL character (U+0000)' },
  ]);
}
