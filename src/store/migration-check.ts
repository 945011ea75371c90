import { JarvisError } from '../errors.js';

/** One step of a schema: the version after it and its name, the same on every database kind. */
export interface MigrationStep {
  /** 1, 2, 3... with no gaps; the schema version after this step. */
  version: number;
  name: string;
  sql: string;
}

/** A step as `schema_migrations` records it. */
export interface AppliedStep {
  version: number;
  name: string;
}

/**
 * Checks the steps a database records against the steps this code knows and returns those still to
 * apply, in order. Throws CONFLICT when the database has a newer schema than this code knows, or a step
 * recorded under another name (a schema from a diverged build); the caller must change nothing then.
 */
export function pendingSteps<T extends MigrationStep>(
  applied: readonly AppliedStep[],
  steps: readonly T[],
  where: string,
): T[] {
  const current = applied.reduce((max, r) => Math.max(max, r.version), 0);
  if (current > steps.length) {
    throw new JarvisError(
      'CONFLICT',
      `The database ${where} has schema version ${current}, newer than the ${steps.length} this Jarvis knows: ` +
        'it was written by a newer release. Run that release (or a newer one), or point Jarvis at another database.',
      { resource: where, facts: { databaseVersion: current, codeVersion: steps.length } },
    );
  }
  for (const row of applied) {
    const known = steps[row.version - 1];
    if (known?.name !== row.name) {
      throw new JarvisError(
        'CONFLICT',
        `The database ${where} records schema step ${row.version} as "${row.name}", which this Jarvis does not know ` +
          `(expected "${known?.name ?? 'nothing'}"). It was written by a different build; use a database made by this one.`,
        { resource: where, facts: { version: row.version, recorded: row.name, expected: known?.name } },
      );
    }
  }
  return steps.slice(current);
}

/** Throws at import when a list of steps is out of order: it would apply them wrongly on some databases. */
export function checkOrder(list: string, steps: readonly MigrationStep[]): void {
  steps.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`${list}[${i}] has version ${m.version}; versions must be 1, 2, 3...`);
  });
}
