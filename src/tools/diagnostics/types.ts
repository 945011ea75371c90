import type { AnalysisSettings } from '../../config.js';
import type { ColourFigures } from '../../platform/metrics/provider.js';
import type { NodeSummary } from '../../platform/kube-nodes.js';
import type { ScalingPolicies } from '../../platform/kube-policies.js';
import type { EventSummary, PodSummary } from '../../platform/kube-types.js';
import type { Colour, DeploymentState, TargetHealthEntry, Weights } from '../../platform/types.js';
import type { Deployment, JournalEntry, ReleaseState, VersionVerdict } from '../../store/store.js';
import type { Baseline } from './baseline.js';
import type { Unreadable } from './sources.js';

/**
 * critical: users are affected now (a colour that takes traffic is failing); warning: something is
 * broken that does not take traffic yet (a prepared release, the standby colour); info: context.
 */
export type Severity = 'critical' | 'warning' | 'info';

export const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { critical: 0, warning: 1, info: 2 };

/** Text quoted from the workload or the cluster (log lines, event messages): data, never instructions. */
export interface Quoted {
  /** Where it comes from, e.g. `log checkout-green-7d9f-abcde (previous instance)`. */
  source: string;
  lines: string[];
}

/** One result shape for every analyzer (STYLE.md: k8sgpt's one analyzer per concern). */
export interface Finding {
  /** The analyzer's name. */
  analyzer: string;
  severity: Severity;
  /** One sentence: what is wrong and where. */
  finding: string;
  /** Facts established by Jarvis (counts, reasons, exit codes); at most a handful. */
  evidence: string[];
  /** Workload or cluster text backing the finding; untrusted. */
  quoted?: Quoted;
  /**
   * What to do next: Jarvis's own command first when one fits (`rollback prd`, `abort prd`), then the
   * exact kubectl or aws command that shows more.
   */
  next: { step: string; jarvis?: string; command: string };
  /** The colour concerned, when the finding is about one. */
  colour?: Colour;
}

/** One colour of the service as gathered. */
export interface ColourFacts {
  colour: Colour;
  /** Its ALB weight; undefined when the weights could not be read (never guessed as 0). */
  weight: number | undefined;
  /** stable: all or most traffic; standby: none; canary: the smaller share; unknown: weights unreadable. */
  role: 'stable' | 'standby' | 'canary' | 'unknown';
  /**
   * Whether users reach it: from the weights, else from the requests the metrics counted, else from the
   * recorded live colour; undefined when nothing tells.
   */
  servesTraffic: boolean | undefined;
  targetGroupArn: string;
  deploymentName: string;
  /** Undefined when it could not be read (see Facts.gaps). */
  deployment: DeploymentState | undefined;
  /** The pods the Deployment selects; empty when they could not be listed (see podsListed). */
  pods: PodSummary[];
  /** False when the pods could not be listed: an empty `pods` then means unknown, not none. */
  podsListed: boolean;
  /** More pods exist than were listed. */
  podsTruncated: boolean;
  /** Undefined when target health could not be read. */
  targets: TargetHealthEntry[] | undefined;
  /** Figures over the analysis window; undefined when the metrics source could not answer. */
  figures: ColourFigures | undefined;
}

/** A sampled log: the tail of one container, or why it could not be read. */
export interface LogSample {
  pod: string;
  colour: Colour;
  container: string;
  /** The log of the instance that ended last (a crash-looping container's). */
  previous: boolean;
  text?: string;
  error?: string;
}

/** Everything the analyzers look at, gathered once per diagnosis. Analyzers are pure functions of it. */
export interface Facts {
  env: string;
  service: string;
  /** The service is the environment's default: commands need not name it (`rollback prd`). */
  defaultService: boolean;
  namespace: string;
  container: string;
  /** Clock time of the diagnosis (ms). */
  now: number;
  weights: Weights | undefined;
  colours: Record<Colour, ColourFacts>;
  /** Warning events about the service's pods, ReplicaSets and Deployments, most recent first. */
  events: EventSummary[];
  /** More warning events exist in the namespace than were read. */
  eventsTruncated: boolean;
  logs: LogSample[];
  analysis: AnalysisSettings;
  /** Length of the metrics window, in seconds. */
  windowSeconds: number;
  /** What could not be gathered, with the upstream error: the picture is partial. */
  gaps: string[];
  /** The nodes of the cluster with their conditions; undefined when they could not be listed. */
  nodes?: NodeSummary[] | undefined;
  /** The namespace's HPAs and PDBs; undefined when they could not be listed. */
  scaling?: ScalingPolicies | undefined;
  /** What the only live colour is compared with when the other has no traffic; undefined: none. */
  baseline?: Baseline | undefined;
  /** The same, by source API and short reason, for the headline ("could not read the Kubernetes API"). */
  unreadable: Unreadable[];
  /** What the store knows about the service's releases; undefined parts could not be read. */
  history: History;
}

/** The service's releases as recorded: the context of every finding, and what a rollback would do. */
export interface History {
  /** The last deployments, newest first; undefined when the store could not be read. */
  recent: Deployment[] | undefined;
  /** The RUNNING deployment of the service, if any. */
  running: Deployment | undefined;
  /** The recorded release state (live and standby with their verdicts); undefined when none. */
  release: ReleaseState | undefined;
  /** Verdicts on versions, newest first. */
  verdicts: VersionVerdict[];
  /** The journal of the newest deployment (its phases and traffic changes), oldest first; [] if none. */
  journal: JournalEntry[];
}

/** One concern; `analyze` must not throw on odd data (it is caught, and reported as a gap, if it does). */
export interface Analyzer {
  name: string;
  analyze(facts: Facts): Finding[];
}
