// The two kinds of text pattern a policy rule may carry, checked before they are
// stored so that no agent ever receives one it cannot run safely:
//
// - Globs (a path starting with `/`): `*` any characters within one segment,
//   `**` (a whole segment) any number of segments, `?` one character except `/`.
//   No classes or braces, so every glob means the same thing to every agent.
// - Anchored regexes (`^…$`) from a safe subset: they must compile as JavaScript
//   (`u` flag); no backreferences, lookaround, named groups or inline flags (only
//   `(?:`), which also keeps them portable to linear-time engines such as RE2; no
//   `*`, `+` or `{n,m}` on a group that itself holds a quantifier or an
//   alternation (the shapes of catastrophic backtracking: `(a+)+`, `(a|a)*`);
//   repetition counts at most 1,000, at most 4 unbounded quantifiers, 256
//   characters. Each function returns what is wrong, or undefined.

export const MAX_PATTERN_LENGTH = 256;
export const MAX_REPEAT_COUNT = 1000;
export const MAX_UNBOUNDED_QUANTIFIERS = 4;

const GLOB_FORBIDDEN = /[^\x21-\x7e]|[[\]{}\\]/;

export function globProblem(glob: string): string | undefined {
  if (glob.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  if (!glob.startsWith('/')) return 'must start with / (a glob) or ^ (an anchored regex)';
  if (GLOB_FORBIDDEN.test(glob))
    return 'a glob may hold visible ASCII characters except [ ] { } \\ (use an anchored regex for classes)';
  if (glob.includes('***')) return '*** is not a glob operator; use * within a segment or ** for segments';
  for (const segment of glob.split('/'))
    if (segment.includes('**') && segment !== '**') return '** must be a whole path segment, as in /a/**/b';
  return undefined;
}

interface Frame {
  quantified: boolean;
  alternation: boolean;
}

/** What the last atom was: a quantifier applies to it. */
type Atom = { readonly kind: 'none' | 'plain' } | { readonly kind: 'group'; readonly inner: Frame };

const QUANTIFIER_BRACES = /^\{(\d+)(,(\d*))?\}/;

export function regexProblem(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  if (!source.startsWith('^') || !endsWithAnchor(source))
    return 'a regex must be anchored: start with ^ and end with $';
  const stack: Frame[] = [{ quantified: false, alternation: false }];
  let last: Atom = { kind: 'none' };
  let unbounded = 0;
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    const frame = stack[stack.length - 1] as Frame;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'backreferences are not supported';
      i += 2;
      // \p{…} and \u{…} carry braces that are not a quantifier.
      if ((next === 'p' || next === 'P' || next === 'u') && source[i] === '{') {
        const close = source.indexOf('}', i);
        i = close < 0 ? source.length : close + 1;
      }
      last = { kind: 'plain' };
    } else if (c === '[') {
      i = classEnd(source, i + 1);
      last = { kind: 'plain' };
    } else if (c === '(') {
      if (source[i + 1] === '?' && source[i + 2] !== ':')
        return 'only (?: groups are supported: no lookaround, named groups or inline flags';
      stack.push({ quantified: false, alternation: false });
      i += source[i + 1] === '?' ? 3 : 1;
      last = { kind: 'none' };
    } else if (c === ')') {
      const inner = stack.length > 1 ? (stack.pop() as Frame) : { quantified: false, alternation: false };
      const parent = stack[stack.length - 1] as Frame;
      parent.quantified ||= inner.quantified;
      parent.alternation ||= inner.alternation;
      last = { kind: 'group', inner };
      i += 1;
    } else if (c === '|') {
      frame.alternation = true;
      last = { kind: 'none' };
      i += 1;
    } else if (
      c === '*' ||
      c === '+' ||
      c === '?' ||
      (c === '{' && QUANTIFIER_BRACES.test(source.slice(i)))
    ) {
      const braces = c === '{' ? QUANTIFIER_BRACES.exec(source.slice(i)) : null;
      const [min, max] = braces ? [Number(braces[1]), braces[2] ? braces[3] : braces[1]] : [0, ''];
      if (braces && (min > MAX_REPEAT_COUNT || (max !== '' && Number(max) > MAX_REPEAT_COUNT)))
        return `repetition counts must be at most ${MAX_REPEAT_COUNT}`;
      const isOptional = c === '?' || (braces !== null && max === '1' && min <= 1);
      if (last.kind === 'group' && !isOptional && (last.inner.quantified || last.inner.alternation))
        return last.inner.quantified
          ? 'nested quantifiers such as (a+)+ are not allowed (catastrophic backtracking)'
          : 'a repeated group must not hold an alternation such as (a|b)* (catastrophic backtracking)';
      if (c === '*' || c === '+' || (braces !== null && max === '')) unbounded += 1;
      frame.quantified = true;
      i += braces ? braces[0].length : 1;
      if (source[i] === '?') i += 1; // lazy
      last = { kind: 'none' };
    } else {
      last = { kind: 'plain' };
      i += 1;
    }
  }
  if (unbounded > MAX_UNBOUNDED_QUANTIFIERS)
    return `at most ${MAX_UNBOUNDED_QUANTIFIERS} unbounded quantifiers (*, +, {n,}) per regex`;
  try {
    new RegExp(source, 'u');
  } catch (error) {
    return `does not compile: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  return undefined;
}

/** Whether the last character is a `$` that is not escaped (an even run of backslashes before it). */
function endsWithAnchor(source: string): boolean {
  if (source.length < 2 || !source.endsWith('$')) return false;
  const backslashes = /\\*$/.exec(source.slice(0, -1))?.[0].length ?? 0;
  return backslashes % 2 === 0;
}

/** The index just past the `]` closing a class that opened before `start`. */
function classEnd(source: string, start: number): number {
  let i = start;
  while (i < source.length) {
    if (source[i] === '\\') i += 2;
    else if (source[i] === ']') return i + 1;
    else i += 1;
  }
  return source.length;
}

/** A path pattern: an anchored regex when it starts with ^, a glob otherwise. */
export function pathPatternProblem(pattern: string): string | undefined {
  return pattern.startsWith('^') ? regexProblem(pattern) : globProblem(pattern);
}
