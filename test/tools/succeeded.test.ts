import { describe, expect, it } from 'vitest';
import { deployTool } from '../../src/tools/deploy.js';
import { emergencyRollbackTool } from '../../src/tools/emergency-rollback.js';
import { promoteTool } from '../../src/tools/promote.js';
import { rollbackTool } from '../../src/tools/rollback.js';
import type { Tool } from '../../src/tools/tool.js';

const during = { name: 'rollout in progress', ok: true, detail: 'aborted' };

/** Whether a write did what it was asked for, which `jarvis ask` turns into its exit status. */
describe('tools: succeeded', () => {
  it.each<[Tool, unknown, boolean]>([
    [deployTool, { status: 'SUCCESS', version: '1.3.0' }, true],
    [deployTool, { status: 'ROLLED_BACK', version: '1.3.1-errors' }, false],
    [deployTool, { status: 'FAILED', version: '1.3.1-missing' }, false],
    [deployTool, { status: 'ABORTED', version: '1.3.0' }, false],
    [promoteTool, { status: 'SUCCESS', version: '1.3.0' }, true],
    [promoteTool, { status: 'ROLLED_BACK', version: '1.3.0' }, false],
    [rollbackTool, { status: 'SUCCESS', version: '1.2.0', checks: [] }, true],
    [rollbackTool, { status: 'ROLLED_BACK', version: '1.2.0', checks: [] }, false],
    [rollbackTool, { status: 'ABORTED', version: '1.3.0', checks: [during] }, true],
    [rollbackTool, { status: 'ABORTED', version: '1.3.0', checks: [] }, false],
    [rollbackTool, 'not a result', false],
    [emergencyRollbackTool, { env: 'prd', status: 'SUCCESS', services: [] }, true],
    [emergencyRollbackTool, { env: 'prd', status: 'PARTIAL', services: [] }, false],
    [emergencyRollbackTool, { env: 'prd', status: 'FAILED', services: [] }, false],
  ])('%#: %j', (tool, output, expected) => {
    expect(tool.succeeded?.(output)).toBe(expected);
  });
});
