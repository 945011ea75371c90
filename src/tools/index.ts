import { abortTool, pauseTool, resumeTool } from './control.js';
import { deployTool } from './deploy.js';
import { diagnosticsTool } from './diagnostics.js';
import { emergencyRollbackTool } from './emergency-rollback.js';
import { freezeTool } from './freeze.js';
import { historyTool } from './history.js';
import { metricsTool } from './metrics.js';
import { promoteTool } from './promote.js';
import { rollbackTool } from './rollback.js';
import { statusTool } from './status.js';
import type { Tool } from './tool.js';
import { unfreezeTool } from './unfreeze.js';

/** Every tool, registered in one place (STYLE.md 9). */
export const RELEASE_TOOLS: readonly Tool[] = [
  deployTool,
  rollbackTool,
  abortTool,
  pauseTool,
  resumeTool,
  promoteTool,
  statusTool,
  historyTool,
  metricsTool,
  diagnosticsTool,
  emergencyRollbackTool,
  freezeTool,
  unfreezeTool,
];

/** A registry keyed by name; a duplicate name is a programming error and fails at start-up. */
export function toolRegistry(tools: readonly Tool[] = RELEASE_TOOLS): ReadonlyMap<string, Tool> {
  const byName = new Map<string, Tool>();
  for (const tool of tools) {
    if (byName.has(tool.name)) throw new Error(`two tools are named ${tool.name}`);
    byName.set(tool.name, tool);
  }
  return byName;
}
