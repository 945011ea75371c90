import { z } from 'zod';
import type { Tool } from '../tools/tool.js';
import type { ToolSpec } from './types.js';

/**
 * The tools as planners see them: name, description, risk and the JSON schema of the input a caller may
 * send (zod's input mode, so fields with defaults stay optional). The `$schema` key is dropped because the
 * Messages API wants a bare object schema; `additionalProperties: false` is kept so the model learns that
 * unknown fields (an "mfa_verified" claim, say) are refused. Order follows `tools`.
 */
export function toolSpecs(tools: readonly Tool[]): ToolSpec[] {
  return tools.map((tool) => {
    const { $schema: _ignored, ...inputSchema } = z.toJSONSchema(tool.input, { io: 'input' }) as Record<
      string,
      unknown
    >;
    return { name: tool.name, description: tool.description, inputSchema, risk: tool.risk };
  });
}
