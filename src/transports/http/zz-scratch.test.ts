import { it } from 'vitest';
import { openTestApi } from './test-support.js';
it('x', async () => {
  const api = await openTestApi();
  const d = (await api.call('GET', '/api/v1/openapi.json', { key: null })).json();
  const op = d.paths['/api/v1/enrollment-secrets'].post;
  console.log(JSON.stringify({ ...op, responses: Object.fromEntries(Object.entries(op.responses).map(([k, v]: [string, any]) => [k, k === '201' ? '...' : v])) }, null, 1).slice(0, 5000));
  console.log(JSON.stringify(d.paths['/livez'], null, 1));
  console.log(d.openapi, JSON.stringify(d.info), JSON.stringify(d.paths['/api/v1/agents/{id}'].delete.responses['204']));
  const r = await api.call('GET', '/api/v1/docs/static/swagger-ui-bundle.js');
  console.log(r.statusCode, r.headers['content-type'], r.body.length);
  await api.close();
});
