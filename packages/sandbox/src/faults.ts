/**
 * Faults the sandbox can be told to inject into one of its APIs, so that retries, give-ups and outages
 * are rehearsed against the real SDK clients. Each API's server renders a fault in its own wire shape
 * (AWS XML or JSON error, Kubernetes Status).
 */
export type SandboxApi = 'elbv2' | 'eks' | 'kube' | 'cloudwatch' | 'ecr' | 'github';

export interface FaultSpec {
  /** Answer the next N requests with a throttling error (AWS `Throttling`, Kubernetes 429). */
  throttle?: number | undefined;
  /** Answer the next N requests with a 5xx. */
  serverErrors?: number | undefined;
  /** Delay every request by this many real milliseconds. */
  latencyMs?: number | undefined;
  /** Refuse every request as if the API were down (503 / connection-level failure), until cleared. */
  down?: boolean | undefined;
}

export type FaultAction = { kind: 'throttle' } | { kind: 'server-error' } | { kind: 'down' };

/** Current faults per API. Counters are consumed one per request. */
export class Faults {
  private readonly specs = new Map<SandboxApi, FaultSpec>();

  /** Replaces the faults of `api` (an empty spec clears them). */
  set(api: SandboxApi, spec: FaultSpec): void {
    this.specs.set(api, { ...spec });
  }

  clear(api?: SandboxApi): void {
    if (api) this.specs.delete(api);
    else this.specs.clear();
  }

  get(api: SandboxApi): Readonly<FaultSpec> {
    return this.specs.get(api) ?? {};
  }

  /** Real milliseconds to delay a request to `api`. */
  latencyOf(api: SandboxApi): number {
    return this.specs.get(api)?.latencyMs ?? 0;
  }

  /** The fault to apply to the request being served now, consuming one from a counter. */
  next(api: SandboxApi): FaultAction | undefined {
    const spec = this.specs.get(api);
    if (!spec) return undefined;
    if (spec.down) return { kind: 'down' };
    if ((spec.throttle ?? 0) > 0) {
      spec.throttle = (spec.throttle ?? 0) - 1;
      return { kind: 'throttle' };
    }
    if ((spec.serverErrors ?? 0) > 0) {
      spec.serverErrors = (spec.serverErrors ?? 0) - 1;
      return { kind: 'server-error' };
    }
    return undefined;
  }
}
