import { describe, expect, it } from 'vitest';
import { AwsApiError } from '../../../packages/sandbox/src/aws/errors.js';
import {
  booleanAt,
  integerAt,
  listAt,
  parseQuery,
  requiredString,
  stringListAt,
} from '../../../packages/sandbox/src/aws/query.js';

describe('parseQuery', () => {
  it.each([
    {
      name: 'flat parameters',
      body: 'Action=DescribeRules&Version=2015-12-01',
      expected: { Action: 'DescribeRules', Version: '2015-12-01' },
    },
    {
      name: 'a list of strings, in member order whatever the key order',
      body: 'RuleArns.member.2=b&RuleArns.member.1=a',
      expected: { RuleArns: ['a', 'b'] },
    },
    {
      name: 'nested lists of structures',
      body:
        'DefaultActions.member.1.Type=forward' +
        '&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn=blue' +
        '&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.Weight=90' +
        '&DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn=green' +
        '&DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.Weight=10',
      expected: {
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: 'blue', Weight: '90' },
                { TargetGroupArn: 'green', Weight: '10' },
              ],
            },
          },
        ],
      },
    },
    {
      name: 'percent-encoded values',
      body: 'ListenerArn=arn%3Aaws%3Aelasticloadbalancing%3Aeu-west-1%3A1%3Alistener%2Fapp%2Fx%2F1%2F2',
      expected: { ListenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/x/1/2' },
    },
    { name: 'an empty list as the SDK sends it', body: 'Conditions=', expected: { Conditions: '' } },
  ])('parses $name', ({ body, expected }) => {
    // Act
    const parsed = parseQuery(body);
    // Assert
    expect(parsed).toEqual(expected);
  });

  it.each([
    ['a list index of 0', 'Names.member.0=a'],
    ['a list index that is not a number', 'Names.member.x=a'],
    ['a value and a structure under one name', 'A=1&A.B=2'],
    ['a list and a structure under one name', 'A.member.1=1&A.B=2'],
    ['a repeated key', 'A=1&A=2'],
    ['an empty segment', 'A..B=1'],
  ])('refuses %s with MalformedQueryString', (_name, body) => {
    // Act
    const act = (): unknown => parseQuery(body);
    // Assert
    expect(act).toThrow(AwsApiError);
    expect(act).toThrow(/Malformed query parameter/);
  });
});

describe('typed accessors', () => {
  it('reads strings, lists, integers and booleans', () => {
    // Arrange
    const params = parseQuery('Name=x&Names.member.1=a&Names.member.2=b&Empty=&Port=443&Enabled=true');
    // Act / Assert
    expect(requiredString(params, 'Name')).toBe('x');
    expect(stringListAt(params, 'Names')).toEqual(['a', 'b']);
    expect(listAt(params, 'Empty')).toEqual([]);
    expect(listAt(params, 'Absent')).toBeUndefined();
    expect(integerAt(params, 'Port', 'Port', 1, 65535)).toBe(443);
    expect(booleanAt(params, 'Enabled', 'Enabled')).toBe(true);
  });

  it.each([
    [
      'a missing required string',
      () => requiredString(parseQuery(''), 'ListenerArn'),
      /Value null at 'ListenerArn'.*must not be null/,
    ],
    [
      'an integer above its maximum',
      () => integerAt(parseQuery('W=1000'), 'W', 'W', 0, 999),
      /less than or equal to 999/,
    ],
    [
      'an integer below its minimum',
      () => integerAt(parseQuery('W=-1'), 'W', 'W', 0, 999),
      /greater than or equal to 0/,
    ],
    ['a non-integer', () => integerAt(parseQuery('W=1.5'), 'W', 'W', 0, 999), /must be an integer/],
    ['a non-boolean', () => booleanAt(parseQuery('E=yes'), 'E', 'E'), /must be a boolean/],
    ['a string where a list belongs', () => listAt(parseQuery('L=x'), 'L'), /must be a list/],
  ])('answers %s with a ValidationError in AWS wording', (_name, act, message) => {
    // Act / Assert
    expect(act).toThrow(message);
    try {
      act();
    } catch (err) {
      expect((err as AwsApiError).code).toBe('ValidationError');
    }
  });
});
