import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Where a TOTP code is being typed: a Slack team and channel (`slack:T0123/C0456`) or a terminal host
 * (`terminal:build-box`). The channel that collects a code runs the check inside {@link withMfaSource},
 * and the MFA service reads it for its lockout by source. It travels beside the call rather than
 * through the agent loop, which hands the channel an opaque check and never sees where a code came from.
 */
const current = new AsyncLocalStorage<string>();

/** Runs `check` with `source` as the place the code is typed. */
export function withMfaSource<T>(source: string, check: () => Promise<T>): Promise<T> {
  return current.run(source, check);
}

/** The source of the code being checked; undefined when the channel did not say. */
export function mfaSource(): string | undefined {
  return current.getStore();
}
