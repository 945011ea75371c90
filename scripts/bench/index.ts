// `npm run bench`: every benchmark, run against the in-process sandbox, figures printed as a table.
// A figure with a goal is compared with a baseline measured in this same run where the goal is a ratio.
import { benchAgentTurn, benchGrammar, benchPromptSize } from './agent.js';
import { benchDiagnostics } from './diagnostics.js';
import { benchHungApi } from './llm.js';
import { benchAbort, benchDrift, benchFailover } from './release.js';
import { benchReplicaFailover, benchStores } from './replicas.js';
import { benchBreachToAbort, benchJournal, benchRollback } from './rollout.js';
import { benchServeRss } from './serve-rss.js';
import { benchSlack } from './slack.js';
import { table, type Figure } from './stats.js';

// slack first: its client (this process) times the acks, and must not be paying for the heaps the
// other suites leave behind; serve next, while it can reuse slack's build.
const suites: Array<[string, () => Promise<Figure[]>]> = [
  ['slack', () => benchSlack()],
  ['serve', () => benchServeRss()],
  ['rollback', () => benchRollback()],
  ['abort', () => benchAbort()],
  ['breach', () => benchBreachToAbort()],
  ['failover', () => benchFailover()],
  ['drift', () => benchDrift()],
  ['store', () => benchJournal()],
  ['stores', () => benchStores()],
  ['replicas', () => benchReplicaFailover()],
  ['agent', () => benchAgentTurn()],
  ['grammar', () => benchGrammar()],
  ['prompt', () => benchPromptSize()],
  ['llm', () => benchHungApi()],
  ['diagnostics', () => benchDiagnostics()],
];

const only = process.argv.slice(2);
const figures: Figure[] = [];
for (const [name, run] of suites) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stderr.write(`running ${name}...\n`);
  figures.push(...(await run()));
}
console.log(table(figures));
process.exitCode = figures.some((f) => f.ok === false) ? 1 : 0;
