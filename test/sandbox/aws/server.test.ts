import {
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ELBV2_NAMESPACE } from '../../../packages/sandbox/src/aws/xml.js';
import { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from '@jarvis/sandbox';
import { authHeaders, elbv2Client, rejection, type AuthSpec } from '../../helpers/aws.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });

let sandbox: Sandbox;
let elb: ElasticLoadBalancingV2Client;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 50 });
  elb = elbv2Client(sandbox.awsEndpoint, 3);
});

afterAll(async () => {
  elb.destroy();
  await sandbox.close();
});

afterEach(() => {
  sandbox.world.faults.clear();
});

/** One raw Query-protocol request, as the SDK would send it but without the SDK. */
async function post(
  body: string,
  auth: AuthSpec = {},
): Promise<{ status: number; doc: Record<string, Record<string, unknown>>; headers: Headers }> {
  const url = `${sandbox.awsEndpoint}/`;
  const init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body };
  const res = await fetch(url, { ...init, headers: await authHeaders(url, init, auth) });
  return {
    status: res.status,
    doc: parser.parse(await res.text()) as Record<string, Record<string, unknown>>,
    headers: res.headers,
  };
}

describe('wire format', () => {
  it('answers in <XResponse><XResult> in the ELBv2 namespace with a RequestId, also in the header', async () => {
    // Act
    const { status, doc, headers } = await post(
      'Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=shop-dev',
    );
    // Assert
    expect(status).toBe(200);
    const response = doc.DescribeLoadBalancersResponse!;
    expect(response['@_xmlns']).toBe(ELBV2_NAMESPACE);
    expect(response.DescribeLoadBalancersResult).toMatchObject({
      LoadBalancers: { member: { LoadBalancerName: 'shop-dev', Type: 'application' } },
    });
    const requestId = (response.ResponseMetadata as { RequestId: string }).RequestId;
    expect(requestId).toMatch(UUID);
    expect(headers.get('x-amzn-requestid')).toBe(requestId);
  });

  it('also serves the Query protocol as GET with the parameters in the query string', async () => {
    // Act
    const url = `${sandbox.awsEndpoint}/?Action=DescribeLoadBalancers&Version=2015-12-01&PageSize=1`;
    const res = await fetch(url, { headers: await authHeaders(url, {}, {}) });
    const doc = parser.parse(await res.text()) as Record<string, Record<string, Record<string, unknown>>>;
    // Assert
    expect(res.status).toBe(200);
    expect(doc.DescribeLoadBalancersResponse?.DescribeLoadBalancersResult?.NextMarker).toEqual(
      expect.any(String),
    );
  });

  it.each([
    {
      name: 'no Authorization header',
      body: 'Action=DescribeLoadBalancers&Version=2015-12-01',
      auth: null,
      status: 403,
      code: 'MissingAuthenticationToken',
    },
    {
      name: 'an unknown access key',
      body: 'Action=DescribeLoadBalancers&Version=2015-12-01',
      auth: { accessKeyId: 'AKIAUNKNOWN000000000' },
      status: 403,
      code: 'InvalidClientTokenId',
    },
    {
      name: 'an Authorization header that is not SigV4',
      body: 'Action=DescribeLoadBalancers&Version=2015-12-01',
      auth: 'Bearer x',
      status: 403,
      code: 'IncompleteSignature',
    },
    {
      name: 'a signature made with a wrong secret key',
      body: 'Action=DescribeLoadBalancers&Version=2015-12-01',
      auth: { secretAccessKey: 'not-the-sandbox-secret' },
      status: 403,
      code: 'SignatureDoesNotMatch',
    },
    { name: 'no Action', body: 'Version=2015-12-01', auth: {}, status: 400, code: 'MissingAction' },
    {
      name: 'an unknown Version',
      body: 'Action=DescribeLoadBalancers&Version=2012-06-01',
      auth: {},
      status: 400,
      code: 'NoSuchVersion',
    },
    {
      name: 'a malformed list index',
      body: 'Action=DescribeRules&Version=2015-12-01&RuleArns.member.x=a',
      auth: {},
      status: 400,
      code: 'MalformedQueryString',
    },
    {
      name: 'an unknown action',
      body: 'Action=CreateLoadBalancer&Version=2015-12-01',
      auth: {},
      status: 400,
      code: 'InvalidAction',
    },
  ])('refuses $name with $status $code in the AWS error shape', async ({ body, auth, status, code }) => {
    // Act
    const res = await post(body, auth);
    // Assert
    expect(res.status).toBe(status);
    const error = res.doc.ErrorResponse!;
    expect(error['@_xmlns']).toBe(ELBV2_NAMESPACE);
    expect(error.Error).toMatchObject({ Type: 'Sender', Code: code });
    expect((error.Error as { Message?: string }).Message).toMatch(/\w/);
    expect(error.RequestId).toMatch(UUID);
  });

  it('surfaces an unknown access key to the SDK as InvalidClientTokenId', async () => {
    // Arrange
    const stranger = elbv2Client(sandbox.awsEndpoint, 1, {
      accessKeyId: 'AKIAUNKNOWN000000000',
      secretAccessKey: 'x',
    });
    // Act
    const err = (await rejection(stranger.send(new DescribeLoadBalancersCommand({})))) as Error;
    stranger.destroy();
    // Assert
    expect(err.name).toBe('InvalidClientTokenId');
    expect(err.message).toBe('The security token included in the request is invalid.');
  });
});

describe('signatures', () => {
  it('refuses a body changed after signing with SignatureDoesNotMatch', async () => {
    // Arrange
    const url = `${sandbox.awsEndpoint}/`;
    const signed = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    const headers = await authHeaders(
      url,
      { ...signed, body: 'Action=DescribeLoadBalancers&Version=2015-12-01' },
      {},
    );
    // Act
    const res = await fetch(url, {
      ...signed,
      headers,
      body: 'Action=DescribeLoadBalancers&Version=2015-12-01&PageSize=1',
    });
    // Assert
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('refuses a signature more than 15 minutes old', async () => {
    // Arrange
    const url = `${sandbox.awsEndpoint}/?Action=DescribeLoadBalancers&Version=2015-12-01`;
    const headers = await authHeaders(url, {}, {});
    const stale = await authHeaders(url, {}, { signingDate: new Date(Date.now() - 20 * 60 * 1000) });
    // Act
    const fresh = await fetch(url, { headers });
    const res = await fetch(url, { headers: stale });
    // Assert
    expect(fresh.status).toBe(200);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Signature expired');
  });

  it('accepts a presigned URL and refuses one whose query was changed after signing', async () => {
    // Arrange
    const signer = new SignatureV4({
      credentials: SANDBOX_CREDENTIALS,
      region: 'eu-west-1',
      service: 'elasticloadbalancing',
      sha256: Sha256,
    });
    const u = new URL(sandbox.awsEndpoint);
    const presigned = await signer.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: u.hostname,
        port: Number(u.port),
        path: '/',
        query: { Action: 'DescribeLoadBalancers', Version: '2015-12-01' },
        headers: { host: u.host },
      },
      { expiresIn: 60 },
    );
    const query = new URLSearchParams(presigned.query as Record<string, string>);
    const url = `${sandbox.awsEndpoint}/?${query.toString()}`;
    // Act
    const good = await fetch(url);
    const tampered = await fetch(url.replace('Version=2015-12-01', 'Version=2015-12-01&PageSize=1'));
    // Assert
    expect(good.status).toBe(200);
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('surfaces a wrong secret key to the SDK as SignatureDoesNotMatch', async () => {
    // Arrange
    const wrong = elbv2Client(sandbox.awsEndpoint, 1, {
      accessKeyId: 'AKIASANDBOX000000000',
      secretAccessKey: 'not-the-sandbox-secret',
    });
    // Act
    const err = (await rejection(wrong.send(new DescribeLoadBalancersCommand({})))) as Error & {
      $metadata: { httpStatusCode?: number };
    };
    wrong.destroy();
    // Assert
    expect(err.name).toBe('SignatureDoesNotMatch');
    expect(err.$metadata.httpStatusCode).toBe(403);
  });
});

describe('faults', () => {
  it('throttles with Throttling, which the SDK retries until it succeeds', async () => {
    // Arrange
    sandbox.world.faults.set('elbv2', { throttle: 2 });
    // Act
    const out = await elb.send(new DescribeLoadBalancersCommand({}));
    // Assert
    expect(out.LoadBalancers).toHaveLength(3);
    expect(out.$metadata.attempts).toBe(3);
  });

  it('answers a throttled request with 400 Throttling "Rate exceeded"', async () => {
    // Arrange
    sandbox.world.faults.set('elbv2', { throttle: 1 });
    // Act
    const res = await post('Action=DescribeLoadBalancers&Version=2015-12-01');
    // Assert
    expect(res.status).toBe(400);
    expect(res.doc.ErrorResponse?.Error).toEqual({
      Type: 'Sender',
      Code: 'Throttling',
      Message: 'Rate exceeded',
    });
  });

  it('fails with 500 InternalFailure, retried by the SDK and surfaced when the retries run out', async () => {
    // Arrange
    sandbox.world.faults.set('elbv2', { serverErrors: 5 });
    // Act
    const err = (await rejection(elb.send(new DescribeLoadBalancersCommand({})))) as Error & {
      $metadata: { httpStatusCode?: number; attempts?: number };
    };
    // Assert
    expect(err.name).toBe('InternalFailure');
    expect(err.$metadata).toMatchObject({ httpStatusCode: 500, attempts: 3 });
    expect(sandbox.world.faults.get('elbv2').serverErrors).toBe(2);
  });

  it('drops the connection when the API is down', async () => {
    // Arrange
    sandbox.world.faults.set('elbv2', { down: true });
    // Act
    const err = (await rejection(elb.send(new DescribeLoadBalancersCommand({})))) as Error & {
      code?: string;
    };
    // Assert
    expect(err.code).toBe('ECONNRESET');
  });

  it('delays every request by the injected latency', async () => {
    // Arrange
    sandbox.world.faults.set('elbv2', { latencyMs: 150 });
    const started = Date.now();
    // Act
    await elb.send(new DescribeLoadBalancersCommand({}));
    // Assert
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
