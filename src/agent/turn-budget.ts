import { JarvisError } from '../errors.js';
import type { PlannerTurn, Planner, PlanRequest } from './types.js';

/**
 * The time the planner may take over one turn, all its rounds together (`agent.turnSeconds`): once it is
 * spent, the loop stops asking the model and the offline planner answers. Only the planner's own time
 * counts, from sending a request to its answer; the tools run in between (a ten-minute deploy, a person
 * reading a confirmation) do not.
 */
export class PlannerBudget {
  private spentMs = 0;

  constructor(
    private readonly limitMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * `planner.plan(request)`, timed; a request still running when the budget runs out is cancelled.
   * Rejects with UNAVAILABLE (worth the offline planner) when the budget is spent, before or during the
   * request; any other failure is the planner's own.
   */
  async plan(planner: Planner, request: PlanRequest): Promise<PlannerTurn> {
    const left = this.limitMs - this.spentMs;
    if (left <= 0) throw this.spent();
    const cut = new AbortController();
    const timer = setTimeout(() => cut.abort(), left);
    const signal = request.signal ? AbortSignal.any([request.signal, cut.signal]) : cut.signal;
    const started = this.now();
    try {
      return await planner.plan({ ...request, signal });
    } catch (err) {
      if (cut.signal.aborted && !request.signal?.aborted) throw this.spent(err);
      throw err;
    } finally {
      clearTimeout(timer);
      // Cut at the bound: spent, whatever the clock says (a timer may fire a little early).
      this.spentMs = cut.signal.aborted ? this.limitMs : this.spentMs + this.now() - started;
    }
  }

  private spent(cause?: unknown): JarvisError {
    const seconds = Math.round(this.limitMs / 100) / 10;
    return new JarvisError(
      'UNAVAILABLE',
      `its answers in this turn took longer than ${seconds} s in all (agent.turnSeconds)`,
      { upstream: 'turn-timeout' },
      cause === undefined ? undefined : { cause },
    );
  }
}
