// The `label` query parameter of GET /agents: `k=v` pairs, repeated
// (`label=a=1&label=b=2`) or comma-separated (`label=a=1,b=2`); every pair must
// match. A value cannot itself contain a comma.
import { z } from 'zod';
import { LABEL_KEY } from './agent.js';

export const labelSelectorSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((input, ctx) => {
    const pairs = (typeof input === 'string' ? [input] : input)
      .flatMap((item) => item.split(','))
      .map((pair) => pair.trim())
      .filter((pair) => pair !== '');
    const labels: Record<string, string> = {};
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      const key = at > 0 ? pair.slice(0, at) : '';
      if (!LABEL_KEY.test(key) || pair.length - at - 1 > 256) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(pair)} is not key=value with a valid label key`,
        });
        return z.NEVER;
      }
      labels[key] = pair.slice(at + 1);
    }
    if (pairs.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must be key=value' });
      return z.NEVER;
    }
    return labels;
  })
  .describe('key=value; repeat the parameter or separate pairs with commas');
