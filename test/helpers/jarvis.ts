import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJarvis, type Jarvis } from '../../src/app.js';
import { loadEnvSettings } from '../../src/config/env.js';
import type { RolloutEvent } from '../../src/rollout/events.js';
import type { Colour, Weights } from '../../src/platform/types.js';

export interface Harness {
  jarvis: Jarvis;
  dir: string;
  storePath: string;
  /** The weights on the ALB right now, read from the sandbox's own state (not through Jarvis). */
  weights(env: string, service: string): Weights;
  /** The version the pods of a colour run, read from the sandbox's own state. */
  version(env: string, service: string, colour: Colour): string | undefined;
  close(): Promise<void>;
}

/**
 * Jarvis on an in-process sandbox with a store file in a fresh temporary directory; `configPath`: a
 * configuration to seed it from instead of the sandbox's own.
 */
export async function startHarness(timeScale = 200, configPath?: string): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-test-'));
  const storePath = join(dir, 'jarvis.db');
  const jarvis = await startJarvis({
    env: loadEnvSettings({
      JARVIS_DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      ...(configPath ? { JARVIS_CONFIG: configPath } : {}),
    }),
    sandbox: true,
    timeScale,
    storePath,
  });
  const world = jarvis.sandbox!.world;
  return {
    jarvis,
    dir,
    storePath,
    weights(env, service) {
      world.reconcileControllers();
      const route = world.route(env, service)!;
      const forward = world.forwardOf(route.routeArn);
      const of = (arn: string): number => forward.find((g) => g.TargetGroupArn === arn)?.Weight ?? 0;
      return { blue: of(route.blue), green: of(route.green) };
    },
    version(env, service, colour) {
      const route = world.route(env, service)!;
      const image = world.podsBehind(route[colour])[0]?.image;
      return image?.split(':').pop();
    },
    close: async () => {
      await jarvis.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Collects rollout events for assertions. */
export function recorder(): { events: RolloutEvent[]; listener: (e: RolloutEvent) => void } {
  const events: RolloutEvent[] = [];
  return { events, listener: (e) => events.push(e) };
}
