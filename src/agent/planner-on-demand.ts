import type { Planner, PlannerTurn, PlanRequest } from './types.js';

/**
 * A planner built by the first turn that asks it rather than when the process starts: Claude's
 * (createAgent), so that a server nobody has spoken to yet does not hold the Anthropic SDK. Every later
 * turn uses the same planner; a load that failed is tried again by the next turn. The time a load takes
 * counts against the planner's own bounds (`askedAt`).
 */
export class PlannerOnDemand implements Planner {
  private planner: Promise<Planner> | undefined;

  constructor(
    readonly name: string,
    private readonly load: () => Promise<Planner>,
  ) {}

  async plan(request: PlanRequest): Promise<PlannerTurn> {
    const askedAt = request.askedAt ?? Date.now();
    this.planner ??= this.load();
    let planner: Planner;
    try {
      planner = await this.planner;
    } catch (err) {
      // Not kept: the next turn loads again. The loop tells the person why this one could not use it.
      this.planner = undefined;
      throw err;
    }
    // Its bounds (Claude's time to the first byte) count from here, the load included.
    return planner.plan({ ...request, askedAt });
  }
}
