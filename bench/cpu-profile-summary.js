#!/usr/bin/env node
// Summarises a V8 CPU profile (.cpuprofile, as `node --cpu-prof` writes; the benchmarks pass
// BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" to their servers) into where the thread's
// time went: self time by part (Corral's feature and infra folders, each npm package, Node's own
// modules, garbage collection, idle), the same with Node's and native code (socket writes, buffers)
// charged to the Corral folder or package that called it, and the functions with the most self time.
//   node bench/cpu-profile-summary.js FILE.cpuprofile [--last 20s] [--top 25]
// --last keeps only the samples of the profile's last stretch (the measured part of a run, not its
// start-up and ramp-up). Prints plain text.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { last: { type: 'string' }, top: { type: 'string', default: '25' } },
});
const usage = (message) => {
  process.stderr.write(`cpu-profile-summary: ${message}\n`);
  process.exit(2);
};
if (positionals.length !== 1) usage('give one .cpuprofile file');
const lastMs = flags.last === undefined ? Infinity : seconds(flags.last) * 1000;
const top = Number(flags.top);
if (!Number.isInteger(top) || top < 1) usage('--top must be a positive whole number');

function seconds(text) {
  const m = /^(\d+(?:\.\d+)?)s?$/.exec(text);
  if (!m) usage('--last must be a number of seconds such as 20s');
  return Number(m[1]);
}

let profile;
try {
  profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
} catch (error) {
  usage(`cannot read ${positionals[0]}: ${error.message}`);
}
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

/** The part of the program a frame belongs to. */
function partOf({ functionName, url }) {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native code)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  const own = /\/dist\/(.+)\/[^/]+$/.exec(url);
  if (own) return `corral ${own[1].split('/').slice(0, 2).join('/')}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  return url;
}

/** Corral's or a package's part nearest to a sample: Node's own and native frames charged to their caller. */
function ownerOf(nodeId) {
  const own = partOf(nodes.get(nodeId).callFrame);
  if (own.startsWith('(') && own !== '(native code)') return own;
  for (let id = nodeId; id !== undefined; id = parentOf.get(id)) {
    const part = partOf(nodes.get(id).callFrame);
    if (part.startsWith('corral ') || part.startsWith('npm ')) return part;
  }
  return own;
}

// Sample i lasted until sample i+1; keep those within the last `lastMs` of the profile.
const times = [];
let at = profile.startTime;
for (const delta of profile.timeDeltas) times.push((at += delta));
const end = times.at(-1) ?? profile.endTime;
const byPart = new Map();
const byOwner = new Map();
const byFunction = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length - 1; i++) {
  if (end - times[i] > lastMs * 1000) continue;
  const micros = times[i + 1] - times[i];
  const { callFrame } = nodes.get(profile.samples[i]);
  const part = partOf(callFrame);
  byPart.set(part, (byPart.get(part) ?? 0) + micros);
  const owner = ownerOf(profile.samples[i]);
  byOwner.set(owner, (byOwner.get(owner) ?? 0) + micros);
  const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.split('/').slice(-2).join('/')}:${callFrame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  total += micros;
}

const busy = total - (byPart.get('(idle)') ?? 0);
const line = (name, micros) =>
  `${(micros / 1e6).toFixed(2).padStart(8)} s ${((100 * micros) / total).toFixed(1).padStart(5)} % ${((100 * micros) / Math.max(1, busy)).toFixed(1).padStart(5)} %  ${name}`;
const print = (title, map, count) => {
  process.stdout.write(`${title}\n    self   of all  of busy\n`);
  for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count))
    process.stdout.write(`${line(name, micros)}\n`);
};
process.stdout.write(
  `profile ${positionals[0]}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s not idle\n\n`,
);
print('by part', byPart, 40);
process.stdout.write('\n');
print(
  "by part, Node's and native code charged to the nearest Corral folder or package calling it",
  byOwner,
  40,
);
process.stdout.write('\n');
print('by function', byFunction, top);
