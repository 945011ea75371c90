import { record, records } from '../text.js';

const MARK: Record<string, string> = { critical: 'CRITICAL', warning: 'WARNING', info: 'info' };

const str = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : v === null || v === undefined
        ? '–'
        : JSON.stringify(v);

function changesText(changes: Record<string, unknown> | undefined): string[] {
  if (!changes) return [];
  const lines: string[] = [];
  const colours = record(changes.colours);
  if (colours) {
    const part = (name: string): string => {
      const c = record(colours[name]) ?? {};
      const weight = typeof c.weight === 'number' ? `${c.weight}% ${str(c.role)}` : 'weight unknown';
      return `${name} ${weight}, ${c.version === null ? 'version unknown' : str(c.version)}, ${str(c.ready)}`;
    };
    lines.push(`Traffic: ${part('blue')} · ${part('green')}.`);
  }
  const running = record(changes.rolloutInProgress);
  if (running) {
    lines.push(
      `Rollout in progress: #${str(running.deploymentId)} ${str(running.version)} to ${str(running.colour)} by ${str(running.actor)} since ${str(running.startedAt)}.`,
    );
  }
  const recent = records(changes.lastDeployments);
  if (recent.length > 0) {
    lines.push(
      `Last deployments: ${recent
        .map(
          (d) =>
            `#${str(d.id)} ${str(d.version)} → ${str(d.colour)} ${str(d.status)} (${str(d.strategy)}, ${str(d.actor)}, ${str(d.startedAt).slice(0, 16).replace('T', ' ')})${d.reason ? `: ${str(d.reason)}` : ''}`,
        )
        .join('; ')}.`,
    );
  } else {
    lines.push('Last deployments: none recorded.');
  }
  return lines;
}

/**
 * The diagnosis as people read it in Slack, the terminal and a PagerDuty note: what changed, then each
 * finding with its evidence, quoted workload text (marked `>`), next step and command; then what was left
 * out. Undefined when `output` does not look like a diagnosis.
 */
export function renderDiagnosis(output: unknown): string | undefined {
  const r = record(output);
  if (!r || typeof r.summary !== 'string' || !Array.isArray(r.findings)) return undefined;
  const lines = [
    `Diagnosis of ${str(r.service)} in ${str(r.env)} (namespace ${str(r.namespace)}): ${r.summary}`,
  ];
  lines.push(...changesText(record(r.changes)));
  if (typeof r.timeline === 'string') lines.push(r.timeline);
  records(r.findings).forEach((f, i) => {
    lines.push('', `${i + 1}. [${MARK[str(f.severity)] ?? str(f.severity)}] ${str(f.finding)}`);
    for (const e of Array.isArray(f.evidence) ? f.evidence : []) lines.push(`   - ${str(e)}`);
    const quoted = record(f.quoted);
    if (quoted && Array.isArray(quoted.lines) && quoted.lines.length > 0) {
      lines.push(`   quoted from ${str(quoted.source)} (untrusted):`);
      for (const q of quoted.lines) lines.push(`   > ${str(q)}`);
    }
    const next = record(f.next);
    if (next) {
      lines.push(`   Next: ${str(next.step)}`);
      if (typeof next.jarvis === 'string') lines.push(`     jarvis: ${next.jarvis}`);
      lines.push(`     $ ${str(next.command)}`);
    }
  });
  const checked = Array.isArray(r.checked) ? r.checked.map(str) : [];
  if (r.complete === true && checked.length > 0) lines.push('', `Checked: ${checked.join('; ')}.`);
  const left = record(r.leftOut);
  if (left && typeof left.findings === 'number' && left.findings > 0) {
    lines.push(
      '',
      `${left.findings} less severe finding${left.findings === 1 ? ' was' : 's were'} left out to keep this short (${[
        'critical',
        'warning',
        'info',
      ]
        .filter((s) => typeof left[s] === 'number' && left[s] > 0)
        .map((s) => `${str(left[s])} ${s}`)
        .join(', ')}).`,
    );
  }
  const gaps = Array.isArray(r.gaps) ? r.gaps.map(str) : [];
  if (gaps.length > 0) lines.push('', `Could not read: ${gaps.join('; ')}.`);
  return lines.join('\n');
}
