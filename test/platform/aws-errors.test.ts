import { ResourceNotFoundException } from '@aws-sdk/client-eks';
import {
  ElasticLoadBalancingV2ServiceException,
  RuleNotFoundException,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { JarvisError, type ErrorCode } from '../../src/errors.js';
import { awsError, callAws, type AwsCallTarget } from '../../src/platform/aws-errors.js';

const TARGET: AwsCallTarget = {
  service: 'ELBv2',
  operation: 'DescribeRules',
  resource: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shop/1/2/3',
};

function serviceError(name: string, status: number, fault: 'client' | 'server', attempts = 1): Error {
  return new ElasticLoadBalancingV2ServiceException({
    name,
    $fault: fault,
    message: `${name} happened`,
    $metadata: { httpStatusCode: status, attempts, requestId: 'req-1' },
  });
}

function nodeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, $metadata: { attempts: 3 } });
}

describe('awsError', () => {
  it.each<{ name: string; err: unknown; code: ErrorCode; upstream: string; says: RegExp }>([
    {
      name: 'a target group that does not exist',
      err: new TargetGroupNotFoundException({
        message: 'One or more target groups not found',
        $metadata: { httpStatusCode: 400 },
      }),
      code: 'NOT_FOUND',
      upstream: 'TargetGroupNotFoundException',
      says: /does not exist .*Check the ARN or name in jarvis\.config\.yaml/,
    },
    {
      name: 'a rule that does not exist',
      err: new RuleNotFoundException({
        message: 'One or more rules not found',
        $metadata: { httpStatusCode: 400 },
      }),
      code: 'NOT_FOUND',
      upstream: 'RuleNotFoundException',
      says: /does not exist/,
    },
    {
      name: 'an EKS cluster that does not exist',
      err: new ResourceNotFoundException({
        message: 'No cluster found for name: x.',
        $metadata: { httpStatusCode: 404 },
      }),
      code: 'NOT_FOUND',
      upstream: 'ResourceNotFoundException',
      says: /No cluster found/,
    },
    {
      name: 'throttling after the retries',
      err: serviceError('Throttling', 400, 'client', 5),
      code: 'THROTTLED',
      upstream: 'Throttling',
      says: /throttled by AWS after 5 attempts/,
    },
    {
      name: 'a 429',
      err: serviceError('ThrottlingException', 429, 'client', 3),
      code: 'THROTTLED',
      upstream: 'ThrottlingException',
      says: /Wait a minute/,
    },
    {
      name: 'a validation error',
      err: serviceError('ValidationError', 400, 'client'),
      code: 'INVALID_INPUT',
      upstream: 'ValidationError',
      says: /rejected as invalid/,
    },
    {
      name: 'an unknown access key',
      err: serviceError('InvalidClientTokenId', 403, 'client'),
      code: 'FORBIDDEN',
      upstream: 'InvalidClientTokenId',
      says: /IAM policy allows DescribeRules/,
    },
    {
      name: 'a 500',
      err: serviceError('InternalFailure', 500, 'server', 3),
      code: 'UPSTREAM',
      upstream: 'InternalFailure',
      says: /failed on the AWS side after 3 attempts/,
    },
    {
      name: 'a 503',
      err: serviceError('ServiceUnavailable', 503, 'server'),
      code: 'UNAVAILABLE',
      upstream: 'ServiceUnavailable',
      says: /could not be reached/,
    },
    {
      name: 'a connection refused',
      err: nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'),
      code: 'UNAVAILABLE',
      upstream: 'ECONNREFUSED',
      says: /ELBv2 could not be reached after 3 attempts/,
    },
    {
      name: 'a connection reset',
      err: nodeError('ECONNRESET', 'socket hang up'),
      code: 'UNAVAILABLE',
      upstream: 'ECONNRESET',
      says: /Check network access/,
    },
    {
      name: 'a request timeout',
      err: Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' }),
      code: 'UNAVAILABLE',
      upstream: 'TimeoutError',
      says: /could not be reached/,
    },
    {
      name: 'something unrecognised',
      err: new Error('boom'),
      code: 'UPSTREAM',
      upstream: 'Error',
      says: /boom/,
    },
  ])('maps $name to $code, naming the call and the resource', ({ err, code, upstream, says }) => {
    // Act
    const mapped = awsError(err, TARGET);
    // Assert
    expect(mapped.code).toBe(code);
    expect(mapped.details).toMatchObject({ resource: TARGET.resource, upstream });
    expect(mapped.message).toContain(`ELBv2 DescribeRules on ${TARGET.resource}`);
    expect(mapped.message).toMatch(says);
    expect(mapped.cause).toBe(err);
  });

  it('uses the caller hint for a resource that does not exist', () => {
    // Act
    const mapped = awsError(serviceError('ListenerNotFound', 400, 'client'), {
      ...TARGET,
      notFoundHint: 'Fix listenerArn.',
    });
    // Assert
    expect(mapped.code).toBe('NOT_FOUND');
    expect(mapped.message).toMatch(/Fix listenerArn\.$/);
  });

  it('passes a JarvisError through unchanged', () => {
    // Arrange
    const original = new JarvisError('DRIFT', 'changed');
    // Act / Assert
    expect(awsError(original, TARGET)).toBe(original);
  });
});

describe('callAws', () => {
  it('returns the result of a call that succeeds and maps the failure of one that does not', async () => {
    // Act
    const ok = await callAws(TARGET, () => Promise.resolve(42));
    const failed = await callAws(TARGET, () =>
      Promise.reject(serviceError('Throttling', 400, 'client', 3)),
    ).catch((err: unknown) => err);
    // Assert
    expect(ok).toBe(42);
    expect(failed).toBeInstanceOf(JarvisError);
    expect((failed as JarvisError).code).toBe('THROTTLED');
  });
});
