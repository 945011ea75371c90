import { describe, expect, it } from 'vitest';
import { bound, redact } from '../src/redact.js';

describe('redaction', () => {
  const cases: Array<[string, string, string]> = [
    ['AWS access key id', 'key AKIAIOSFODNN7EXAMPLE used', 'AKIAIOSFODNN7EXAMPLE'],
    [
      'AWS secret key',
      'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ],
    ['bearer token', 'Authorization: Bearer abcdef0123456789abcdef', 'abcdef0123456789abcdef'],
    [
      'JWT',
      'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U seen',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0',
    ],
    ['password in URL', 'connecting to postgres://app:s3cr3t-pw@db.internal:5432/shop', 's3cr3t-pw'],
    ['password pair', 'db password=hunter2 retry', 'hunter2'],
    ['JSON secret', '{"client_secret": "abc123xyz"}', 'abc123xyz'],
    ['EKS token', 'k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20v', 'aHR0cHM6Ly9zdHMu'],
    ['Slack token', 'xoxb-123456789012-abcdefghijkl', 'xoxb-123456789012'],
    [
      'private key',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
      'MIIEowIBAAKCAQEA',
    ],
  ];

  it.each(cases)('removes %s', (_what, text, secret) => {
    const out = redact(text);

    expect(out).not.toContain(secret);
    expect(out).toContain('[redacted');
  });

  it('leaves ordinary operational text alone', () => {
    const text = 'GET /api/cart 200 12ms version=1.3.0 pod=checkout-green-7d9f';
    expect(redact(text)).toBe(text);
  });

  it('bounds text to a byte budget and says how much was left out', () => {
    const text = 'é'.repeat(10_000);

    const out = bound(text, 1000);

    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(1000);
    expect(out).toMatch(/\[\.\.\. 20000 bytes in all; the last \d+ bytes were left out\]$/);
    expect(bound('short', 1000)).toBe('short');
  });
});
