import { describe, expect, it } from 'vitest';
import { PlannerOnDemand } from '../../src/agent/planner-on-demand.js';
import type { PlannerTurn, PlanRequest, Planner } from '../../src/agent/types.js';

const request: PlanRequest = { messages: [], tools: [] };

/** A planner answering each turn with its number. */
function counting(): Planner {
  let turns = 0;
  return {
    name: 'loaded',
    plan: (): Promise<PlannerTurn> => {
      turns += 1;
      return Promise.resolve({ text: `turn ${turns}`, toolCalls: [], stop: 'end_turn' });
    },
  };
}

describe('a planner loaded on demand', () => {
  it('is not loaded before the first turn, then once for turns that ask at the same time', async () => {
    // Arrange
    let loads = 0;
    const planner = new PlannerOnDemand('anthropic', () => {
      loads += 1;
      return Promise.resolve(counting());
    });
    const before = loads;

    // Act
    const turns = await Promise.all([planner.plan(request), planner.plan(request)]);
    const third = await planner.plan(request);

    // Assert
    expect(before).toBe(0);
    expect(loads).toBe(1);
    expect(planner.name).toBe('anthropic');
    expect(turns.map((t) => t.text).sort()).toEqual(['turn 1', 'turn 2']);
    expect(third.text).toBe('turn 3');
  });

  it('hands the loaded planner the time it was asked, before the load', async () => {
    // Arrange
    let loadStarted = 0;
    const seen: PlanRequest[] = [];
    const planner = new PlannerOnDemand('anthropic', async () => {
      loadStarted = Date.now();
      await new Promise((r) => setTimeout(r, 20));
      return {
        name: 'loaded',
        plan: (r: PlanRequest) => {
          seen.push(r);
          return Promise.resolve({ text: 'ok', toolCalls: [], stop: 'end_turn' });
        },
      };
    });
    const before = Date.now();

    // Act
    await planner.plan(request);
    await planner.plan({ ...request, askedAt: 1234 });

    // Assert
    expect(seen[0]!.askedAt).toBeGreaterThanOrEqual(before);
    expect(seen[0]!.askedAt).toBeLessThanOrEqual(loadStarted);
    expect(seen[1]!.askedAt).toBe(1234);
  });

  it('rejects the turn whose load failed and loads again on the next', async () => {
    // Arrange
    let loads = 0;
    const planner = new PlannerOnDemand('anthropic', () => {
      loads += 1;
      return loads === 1
        ? Promise.reject(new Error('Cannot find module @anthropic-ai/sdk'))
        : Promise.resolve(counting());
    });

    // Act
    const first = await planner.plan(request).then(
      (t) => t.text,
      (err: unknown) => String(err),
    );
    const second = await planner.plan(request);

    // Assert
    expect(first).toMatch(/Cannot find module/);
    expect(second.text).toBe('turn 1');
    expect(loads).toBe(2);
  });
});
