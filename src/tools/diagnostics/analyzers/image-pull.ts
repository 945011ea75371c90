import {
  capped,
  clip,
  colourLabel,
  COLOURS,
  eventLines,
  eventsOf,
  impact,
  kubectl,
  livePods,
  mainContainer,
  plural,
} from '../helpers.js';
import { nextStep } from '../remedy.js';
import type { Analyzer, Finding } from '../types.js';

const PULL_FAILURES = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);

/** ImagePullBackOff / ErrImagePull: the image (tag) does not exist or cannot be pulled. */
export const imagePullAnalyzer: Analyzer = {
  name: 'image-pull',
  analyze(facts) {
    const findings: Finding[] = [];
    for (const colour of COLOURS) {
      const c = facts.colours[colour];
      const pods = livePods(c).filter((p) =>
        PULL_FAILURES.has(mainContainer(p, facts.container)?.reason ?? ''),
      );
      const first = pods[0];
      if (!first) continue;
      const container = mainContainer(first, facts.container)!;
      const images = [...new Set(pods.map((p) => mainContainer(p, facts.container)!.image))];
      const events = eventsOf(facts, colour).filter(
        (e) => e.reason === 'Failed' && /pull|image/i.test(e.message),
      );
      const quoted =
        events.length > 0 ? eventLines(events) : container.message ? [clip(container.message)] : [];
      findings.push({
        analyzer: 'image-pull',
        severity: impact(c),
        colour,
        finding: `${plural(pods.length, 'pod')} of ${colourLabel(c)} cannot pull image ${images.join(', ')} (${container.reason}).`,
        evidence: capped([
          ...images.map((i) => `image: ${i}`),
          ...pods.map((p) => `${p.name}: ${mainContainer(p, facts.container)!.reason}`),
        ]),
        ...(quoted.length > 0
          ? { quoted: { source: 'kubelet events and container status', lines: quoted } }
          : {}),
        next: nextStep(
          facts,
          c,
          'Check that the tag exists in the image repository and that the nodes may pull from it (a typo in the version fails exactly like this).',
          kubectl.describePod(facts.namespace, first.name),
        ),
      });
    }
    return findings;
  },
};
