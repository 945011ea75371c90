import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  ELBV2_NAMESPACE,
  queryError,
  queryResponse,
  toXmlTree,
} from '../../../packages/sandbox/src/aws/xml.js';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });

describe('toXmlTree', () => {
  it.each([
    { name: 'a string', value: 'a&b', expected: 'a&b' },
    { name: 'a number', value: 10, expected: '10' },
    { name: 'a boolean', value: false, expected: 'false' },
    {
      name: 'a date, in ISO 8601',
      value: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)),
      expected: '2025-01-02T03:04:05.000Z',
    },
    { name: 'a list, as members', value: ['a', 'b'], expected: { member: ['a', 'b'] } },
    { name: 'an empty list, as an empty element', value: [], expected: '' },
    {
      name: 'a structure without its undefined members',
      value: { A: 1, B: undefined },
      expected: { A: '1' },
    },
  ])('renders $name', ({ value, expected }) => {
    // Act / Assert
    expect(toXmlTree(value)).toEqual(expected);
  });
});

describe('documents', () => {
  it('wraps a result in <XResponse><XResult> with ResponseMetadata, in the ELBv2 namespace', () => {
    // Act
    const xml = queryResponse('DescribeTags', { TagDescriptions: [{ ResourceArn: 'a', Tags: [] }] }, 'req-1');
    const doc = parser.parse(xml) as Record<string, Record<string, unknown>>;
    // Assert
    const response = doc.DescribeTagsResponse!;
    expect(response['@_xmlns']).toBe(ELBV2_NAMESPACE);
    expect(response.DescribeTagsResult).toEqual({
      TagDescriptions: { member: { ResourceArn: 'a', Tags: '' } },
    });
    expect(response.ResponseMetadata).toEqual({ RequestId: 'req-1' });
  });

  it('renders an error as <ErrorResponse><Error> with Type, Code, Message and the RequestId, escaped', () => {
    // Act
    const xml = queryError('Sender', 'ValidationError', "Value '<1000>' & more", 'req-2');
    const doc = parser.parse(xml) as Record<string, Record<string, unknown>>;
    // Assert
    expect(xml).not.toContain('<1000>');
    expect(doc.ErrorResponse).toEqual({
      '@_xmlns': ELBV2_NAMESPACE,
      Error: { Type: 'Sender', Code: 'ValidationError', Message: "Value '<1000>' & more" },
      RequestId: 'req-2',
    });
  });
});
