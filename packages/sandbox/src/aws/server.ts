import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { FaultAction, SandboxApi } from '../faults.js';
import { SANDBOX_CREDENTIALS } from '../index.js';
import type { World } from '../world.js';
import { checkSigV4, type AuthVerdict } from './auth.js';
import {
  CLOUDWATCH_TARGET_PREFIX,
  cloudWatchError,
  runCloudWatch,
  type CloudWatchReply,
} from './cloudwatch.js';
import { ECR_TARGET_PREFIX, ecrError, runEcr, type EcrReply } from './ecr.js';
import { runEks, eksError, type EksReply } from './eks.js';
import { runElbv2 } from './elbv2.js';
import { AwsApiError } from './errors.js';
import { parseQuery } from './query.js';
import { queryError, queryResponse } from './xml.js';

/** Largest request body accepted; ELBv2 requests Jarvis sends are a few kilobytes. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The sandbox's AWS endpoint: ELBv2 (AWS Query protocol, `POST /` or `GET /?Action=`), EKS
 * DescribeCluster (REST-JSON, `GET /clusters/{name}`), CloudWatch GetMetricData (AWS JSON 1.0, `POST /`
 * with `X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`) and ECR (JSON 1.1, `POST /` with an
 * `X-Amz-Target` of ECR), all SigV4-authenticated with SANDBOX_CREDENTIALS (signatures verified as AWS
 * verifies them), each subject to the faults injected for it. Errors carry the codes
 * and shapes AWS uses so that the SDKs raise the exceptions they would raise against AWS.
 */
export function handleAws(world: World, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const target = req.headers['x-amz-target'];
  const api: SandboxApi =
    typeof target === 'string' && target.startsWith(CLOUDWATCH_TARGET_PREFIX)
      ? 'cloudwatch'
      : typeof target === 'string' && target.startsWith(ECR_TARGET_PREFIX)
        ? 'ecr'
        : url.pathname === '/'
          ? 'elbv2'
          : 'eks';
  serve(world, api, url, req, res).catch((err: unknown) => {
    // Only a bug in the sandbox lands here; answer as AWS does for its own failures.
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (api === 'elbv2') sendXml(res, 500, queryError('Receiver', 'InternalFailure', message, randomUUID()));
    else if (api === 'cloudwatch')
      sendCloudWatch(res, cloudWatchError(500, 'InternalServiceFault', 'InternalServiceError', message));
    else if (api === 'ecr') sendAwsJson(res, ecrError(500, 'ServerException', message));
    else sendJson(res, eksError(500, 'ServerException', message));
  });
}

async function serve(
  world: World,
  api: SandboxApi,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  const latency = world.faults.latencyOf(api);
  if (latency > 0) await delay(latency);
  const fault = world.faults.next(api);
  if (fault?.kind === 'down') {
    // A dead endpoint: the connection drops without an answer, which the SDKs see as a reset.
    req.socket.destroy();
    return;
  }
  const auth = checkSigV4(
    {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      query: url.searchParams,
      headers: req.headers,
      body,
    },
    SANDBOX_CREDENTIALS,
  );
  if (api === 'elbv2') serveElbv2(world, url, req.method ?? 'GET', body, auth, fault, res);
  else if (api === 'cloudwatch') sendCloudWatch(res, cloudWatchReply(world, req, body, auth, fault));
  else if (api === 'ecr')
    sendAwsJson(res, ecrReply(world, String(req.headers['x-amz-target']), body, auth, fault));
  else sendJson(res, eksReply(world, url, req.method ?? 'GET', auth, fault));
}

function serveElbv2(
  world: World,
  url: URL,
  method: string,
  body: string,
  auth: AuthVerdict,
  fault: FaultAction | undefined,
  res: ServerResponse,
): void {
  const requestId = randomUUID();
  try {
    if (!auth.ok) throw new AwsApiError(auth.code, auth.message, 403);
    if (fault?.kind === 'throttle') throw new AwsApiError('Throttling', 'Rate exceeded', 400);
    if (fault?.kind === 'server-error') {
      throw new AwsApiError(
        'InternalFailure',
        'The request processing has failed because of an unknown error, exception or failure.',
        500,
      );
    }
    if (method !== 'POST' && method !== 'GET')
      throw new AwsApiError('InvalidHttpRequest', `Method ${method} is not supported.`);
    const { action, result } = runElbv2(world, parseQuery(method === 'POST' ? body : url.search.slice(1)));
    sendXml(res, 200, queryResponse(action, result, requestId), requestId);
  } catch (err) {
    if (!(err instanceof AwsApiError)) throw err;
    sendXml(res, err.status, queryError(err.type, err.code, err.message, requestId), requestId);
  }
}

function eksReply(
  world: World,
  url: URL,
  method: string,
  auth: AuthVerdict,
  fault: FaultAction | undefined,
): EksReply {
  if (!auth.ok) {
    const type = {
      MissingAuthenticationToken: 'MissingAuthenticationTokenException',
      IncompleteSignature: 'IncompleteSignatureException',
      InvalidClientTokenId: 'UnrecognizedClientException',
      SignatureDoesNotMatch: 'InvalidSignatureException',
    }[auth.code];
    return eksError(403, type, auth.message);
  }
  if (fault?.kind === 'throttle') return eksError(429, 'ThrottlingException', 'Rate exceeded');
  if (fault?.kind === 'server-error')
    return eksError(500, 'ServerException', 'An internal error occurred. Try again.');
  return runEks(world, method, url.pathname);
}

function cloudWatchReply(
  world: World,
  req: IncomingMessage,
  body: string,
  auth: AuthVerdict,
  fault: FaultAction | undefined,
): CloudWatchReply {
  if (!auth.ok) {
    const shape =
      auth.code === 'InvalidClientTokenId'
        ? 'UnrecognizedClientException'
        : auth.code === 'SignatureDoesNotMatch'
          ? 'InvalidSignatureException'
          : `${auth.code}Exception`;
    return cloudWatchError(403, shape, auth.code, auth.message);
  }
  if (fault?.kind === 'throttle')
    return cloudWatchError(400, 'ThrottlingException', 'Throttling', 'Rate exceeded');
  if (fault?.kind === 'server-error') {
    return cloudWatchError(500, 'InternalServiceFault', 'InternalServiceError', 'Internal service error.');
  }
  if (req.method !== 'POST') {
    return cloudWatchError(
      400,
      'InvalidAction',
      'InvalidAction',
      `Method ${req.method ?? ''} is not supported.`,
    );
  }
  const target = req.headers['x-amz-target'];
  return runCloudWatch(world, typeof target === 'string' ? target : undefined, body);
}

function ecrReply(
  world: World,
  target: string,
  body: string,
  auth: AuthVerdict,
  fault: FaultAction | undefined,
): EcrReply {
  if (!auth.ok) {
    const type = auth.code === 'InvalidClientTokenId' ? 'UnrecognizedClientException' : auth.code;
    return ecrError(400, `${type}${type.endsWith('Exception') ? '' : 'Exception'}`, auth.message);
  }
  if (fault?.kind === 'throttle') return ecrError(400, 'ThrottlingException', 'Rate exceeded');
  if (fault?.kind === 'server-error') return ecrError(500, 'ServerException', 'An internal error occurred.');
  return runEcr(world, target, body);
}

/** An AWS JSON 1.1 answer (ECR): errors carry `__type` in the body, as the SDK reads them. */
function sendAwsJson(res: ServerResponse, reply: EcrReply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendXml(res: ServerResponse, status: number, xml: string, requestId = randomUUID()): void {
  res.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amzn-requestid': requestId,
  });
  res.end(xml);
}

function sendJson(res: ServerResponse, reply: EksReply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(reply.errorType ? { 'x-amzn-errortype': reply.errorType } : {}),
  });
  res.end(text);
}

function sendCloudWatch(res: ServerResponse, reply: CloudWatchReply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(reply.queryError ? { 'x-amzn-query-error': reply.queryError } : {}),
  });
  res.end(text);
}
