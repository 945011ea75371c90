/**
 * Errors the sandbox's AWS endpoint answers with, in the terms AWS uses: a code the SDKs map to an
 * exception class, a message, an HTTP status and whether the caller (Sender) or AWS (Receiver) is at fault.
 */
export class AwsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = 'AwsApiError';
  }
}

/** AWS's wording for a constraint a parameter breaks, e.g. at `defaultActions.1.member.order`. */
export function validationError(path: string, value: string | undefined, constraint: string): AwsApiError {
  const shown = value === undefined ? 'null' : `'${value}'`;
  return new AwsApiError(
    'ValidationError',
    `1 validation error detected: Value ${shown} at '${path}' failed to satisfy constraint: ${constraint}`,
  );
}

/** A required parameter is missing. */
export function missingParameter(path: string): AwsApiError {
  return validationError(path, undefined, 'Member must not be null');
}

/** The `XNotFound` error of an ELBv2 resource kind, with the message AWS gives. */
export function elbNotFound(
  kind: 'LoadBalancer' | 'Listener' | 'Rule' | 'TargetGroup',
  what?: string,
): AwsApiError {
  const plural = {
    LoadBalancer: 'load balancers',
    Listener: 'listeners',
    Rule: 'rules',
    TargetGroup: 'target groups',
  }[kind];
  const message = what ? `${kindName(kind)} '${what}' not found` : `One or more ${plural} not found`;
  return new AwsApiError(`${kind}NotFound`, message);
}

function kindName(kind: string): string {
  return kind.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}
