import { describe, expect, it } from 'vitest';
import { PlannerBudget } from '../../src/agent/turn-budget.js';
import type { PlannerTurn, PlanRequest, Planner } from '../../src/agent/types.js';
import { JarvisError } from '../../src/errors.js';

const answer: PlannerTurn = { text: 'ok', toolCalls: [], stop: 'end_turn' };

/** A planner that answers after `ms`, or fails as the Anthropic planner does when its signal fires. */
function planner(ms: number): Planner & { calls: number } {
  const p = {
    name: 'slow',
    calls: 0,
    plan(request: PlanRequest): Promise<PlannerTurn> {
      p.calls += 1;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(answer), ms);
        request.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new JarvisError('ABORTED', 'The request to the Anthropic API was cancelled.'));
        });
      });
    },
  };
  return p;
}

const request: PlanRequest = { messages: [], tools: [] };

describe('the planner’s time over one turn', () => {
  it('counts the time of every round and refuses a round once it is spent, without asking', async () => {
    // Arrange
    const budget = new PlannerBudget(200);
    const slow = planner(120);

    // Act
    const first = await budget.plan(slow, request);
    const second = budget.plan(slow, request);

    // Assert: the second round was cut at the 200 ms bound; a third is refused at once.
    expect(first).toBe(answer);
    await expect(second).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      details: { upstream: 'turn-timeout' },
    });
    await expect(budget.plan(slow, request)).rejects.toThrow(/took longer than 0\.2 s in all/);
    expect(slow.calls).toBe(2);
  });

  it('leaves a person’s cancel as it is', async () => {
    // Arrange
    const budget = new PlannerBudget(10_000);
    const cancel = new AbortController();

    // Act
    const planned = budget.plan(planner(1000), { ...request, signal: cancel.signal });
    cancel.abort();

    // Assert
    await expect(planned).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
