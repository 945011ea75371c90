import { JarvisError, messageOf, type ErrorCode } from '../errors.js';

/** What a failed AWS call was about, for messages: `ELBv2`, `DescribeRules`, a rule ARN. */
export interface AwsCallTarget {
  service: 'ELBv2' | 'EKS' | 'CloudWatch';
  operation: string;
  resource: string;
  /** What to try when the resource does not exist; a generic hint about configuration otherwise. */
  notFoundHint?: string;
}

/** Error names the SDKs use for throttling (mirrors their retry classification). */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'PriorRequestNotComplete',
  'SlowDown',
]);
const FORBIDDEN = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);
const INVALID = new Set([
  'ValidationError',
  'ValidationException',
  'InvalidParameterException',
  'InvalidParameterValue',
  'InvalidRequestException',
  'InvalidConfigurationRequestException',
  'InvalidLoadBalancerActionException',
  'OperationNotPermittedException',
]);
/** Node's codes for a connection that could not be made, was dropped, or timed out. */
const CONNECTION = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);
const TIMEOUTS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; attempts?: number; requestId?: string };
}

/**
 * Turns anything an AWS SDK call threw into a JarvisError naming the service, operation and resource:
 * `*NotFound*` → NOT_FOUND; throttling (after the SDK's own retries gave up) → THROTTLED; credentials
 * and permissions → FORBIDDEN; validation → INVALID_INPUT; connection refused/reset, timeouts and 503 →
 * UNAVAILABLE; other 5xx and anything unrecognised → UPSTREAM. A JarvisError is returned unchanged.
 */
export function awsError(err: unknown, target: AwsCallTarget): JarvisError {
  if (err instanceof JarvisError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorLike;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const attempts = e.$metadata?.attempts;
  const connection = connectionCode(err);
  const upstream = connection ?? (name === 'Error' && e.code ? e.code : name);
  const code = classify(name, status, e.$fault, connection);
  const what = `${target.service} ${target.operation} on ${target.resource}`;
  const tries = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  const detail = `${upstream}${status ? ` (HTTP ${status})` : ''}: ${messageOf(err)}`;
  const message = {
    NOT_FOUND: `${what} failed: it does not exist (${detail}). ${target.notFoundHint ?? 'Check the ARN or name in jarvis.config.yaml against the AWS account and region.'}`,
    THROTTLED: `${what} was throttled by AWS${tries} (${detail}). Wait a minute and try again; if it persists, something else is calling ${target.service} heavily in this account.`,
    FORBIDDEN: `${what} was refused (${detail}). Check the AWS credentials Jarvis runs with and that their IAM policy allows ${target.operation}.`,
    INVALID_INPUT: `${what} was rejected as invalid (${detail}). Correct the request and try again.`,
    UNAVAILABLE: `${what} failed: ${target.service} could not be reached${tries} (${detail}). Check network access to the ${target.service} endpoint (AWS_ENDPOINT_URL_* or the sandbox, if set), then try again.`,
    UPSTREAM: `${what} failed on the AWS side${tries} (${detail}). Try again shortly; if it persists, check the AWS Health Dashboard.`,
  }[code];
  return new JarvisError(
    code,
    message,
    {
      resource: target.resource,
      upstream,
      facts: {
        operation: `${target.service}:${target.operation}`,
        ...(status !== undefined ? { httpStatus: status } : {}),
        ...(attempts !== undefined ? { attempts } : {}),
        ...(e.$metadata?.requestId ? { requestId: e.$metadata.requestId } : {}),
      },
    },
    { cause: err },
  );
}

/** Runs one SDK call and maps its failure with {@link awsError}. */
export async function callAws<T>(target: AwsCallTarget, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw awsError(err, target);
  }
}

type AwsErrorCode = Extract<
  ErrorCode,
  'NOT_FOUND' | 'THROTTLED' | 'FORBIDDEN' | 'INVALID_INPUT' | 'UNAVAILABLE' | 'UPSTREAM'
>;

function classify(
  name: string,
  status: number | undefined,
  fault: string | undefined,
  connection: string | undefined,
): AwsErrorCode {
  if (connection) return 'UNAVAILABLE';
  if (/NotFound(Exception)?$/.test(name) || status === 404) return 'NOT_FOUND';
  if (THROTTLING.has(name) || status === 429) return 'THROTTLED';
  if (FORBIDDEN.has(name) || status === 401 || status === 403) return 'FORBIDDEN';
  if (INVALID.has(name) || /^TooMany/.test(name)) return 'INVALID_INPUT';
  if (status === 503) return 'UNAVAILABLE';
  if (fault === 'client' && status !== undefined && status < 500) return 'INVALID_INPUT';
  return 'UPSTREAM';
}

/** The connection-level failure behind an error (its own code, or its causes'), if it is one. */
function connectionCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 5) return undefined;
  const e = err as SdkErrorLike;
  if (e.code && CONNECTION.has(e.code)) return e.code;
  if (e.name && TIMEOUTS.has(e.name)) return e.name;
  return connectionCode(e.cause, depth + 1);
}
