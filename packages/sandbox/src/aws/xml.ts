import { XMLBuilder } from 'fast-xml-parser';

/** The XML namespace of every ELBv2 answer. */
export const ELBV2_NAMESPACE = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
});

type XmlTree = string | { [name: string]: XmlTree | XmlTree[] };

/**
 * The XML-builder tree of a value in the SDK's own shapes, as AWS Query answers carry it: lists as
 * `<member>` elements, timestamps in ISO 8601, booleans as `true`/`false`, undefined members left out.
 */
export function toXmlTree(value: unknown): XmlTree | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const members = value.map(toXmlTree).filter((m): m is XmlTree => m !== undefined);
    // An empty list is an empty element, which the SDKs read as [].
    return members.length === 0 ? '' : { member: members };
  }
  if (value instanceof Map) {
    return toXmlTree(Object.fromEntries(value as Map<string, unknown>));
  }
  if (typeof value === 'object') {
    const out: { [name: string]: XmlTree } = {};
    for (const [name, member] of Object.entries(value)) {
      const tree = toXmlTree(member);
      if (tree !== undefined) out[name] = tree;
    }
    return out;
  }
  // Symbols and functions have no XML form.
  return typeof value === 'bigint' ? value.toString() : undefined;
}

/** `<{Action}Response xmlns=...><{Action}Result>...</...Result><ResponseMetadata>...` */
export function queryResponse(action: string, result: Record<string, unknown>, requestId: string): string {
  return builder.build({
    [`${action}Response`]: {
      '@_xmlns': ELBV2_NAMESPACE,
      [`${action}Result`]: toXmlTree(result) ?? '',
      ResponseMetadata: { RequestId: requestId },
    },
  });
}

/** `<ErrorResponse xmlns=...><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` */
export function queryError(type: string, code: string, message: string, requestId: string): string {
  return builder.build({
    ErrorResponse: {
      '@_xmlns': ELBV2_NAMESPACE,
      Error: { Type: type, Code: code, Message: message },
      RequestId: requestId,
    },
  });
}
