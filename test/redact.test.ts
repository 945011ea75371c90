import { describe, expect, it } from 'vitest';
import { bound, redact, redactDeep, SECRET_SHAPES } from '../src/redact.js';
import { READABLE_LINES, SECRET_SAMPLES } from './helpers/secret-samples.js';

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
    [
      'private key cut before its end',
      'key: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA',
      'b3BlbnNzaC1rZXktdjEAAAAA',
    ],
    [
      'PGP private key block',
      '-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBGQ7x\n-----END PGP PRIVATE KEY BLOCK-----',
      'lQOYBGQ7x',
    ],
    [
      'AWS secret key after its key id',
      'AKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ],
    [
      'AWS secret key in JSON',
      '{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}',
      'wJalrXUtnFEMI',
    ],
    [
      'AWS session token',
      'aws_session_token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH',
      'IQoJb3JpZ2lu',
    ],
    [
      'bearer token, lower case',
      'curl -H "authorization: bearer sbx_4f9a8c7e6d5b4a3f"',
      'sbx_4f9a8c7e6d5b4a3f',
    ],
    ['token scheme', 'Authorization: Token token=y_NbAkKc66ryYTWUXYEu', 'y_NbAkKc66ryYTWUXYEu'],
    ['other scheme', 'Authorization: ApiKey 9f8e7d6c5b4a', '9f8e7d6c5b4a'],
    ['cookie', 'Cookie: sid=s%3Aabcdef123; theme=dark', 's%3Aabcdef123'],
    ['password in URL query', 'GET /login?user=bob&password=hunter2&next=/', 'hunter2'],
    ['quoted password with spaces', 'password="correct horse battery" user=bob', 'correct horse battery'],
    ['YAML secret', 'client_secret: "abc 123 xyz"', 'abc 123 xyz'],
    ['GitHub fine-grained token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop', 'github_pat_11ABCDEFG'],
    ['Stripe key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', '4eC39HqLyjWDarjtT1zdp7dc'],
  ];

  it.each(cases)('removes %s', (_what, text, secret) => {
    const out = redact(text);

    expect(out).not.toContain(secret);
    expect(out).toContain('[redacted');
  });

  it.each(cases)('is idempotent on %s: redacting twice changes nothing more', (_what, text) => {
    const once = redact(text);

    expect(redact(once)).toBe(once);
  });

  it('marks a secret once, even when two rules see it', () => {
    const out = redact('AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE retry');

    expect(out).toBe('AWS_ACCESS_KEY_ID=[redacted aws key id] retry');
  });

  it('leaves ordinary operational text alone', () => {
    const lines = [
      'GET /api/cart 200 12ms version=1.3.0 pod=checkout-green-7d9f',
      'image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout:1.3.1 digest sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'commit 4f9a8c7e6d5b4a3f2e1d0c9b8a7f6e5d4c3b2a19 by alice',
      'Authorization header missing; expected a Bearer token',
    ];
    for (const text of lines) expect(redact(text)).toBe(text);
  });

  it('bounds text to a byte budget and says how much was left out', () => {
    const text = 'é'.repeat(10_000);

    const out = bound(text, 1000);

    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(1000);
    expect(out).toMatch(/\[\.\.\. 20000 bytes in all; the last \d+ bytes were left out\]$/);
    expect(bound('short', 1000)).toBe('short');
  });

  describe('the table of shapes', () => {
    it('has a name for every shape, each used once', () => {
      const names = SECRET_SHAPES.map((s) => s.name);

      expect(new Set(names).size).toBe(names.length);
      expect(SECRET_SAMPLES.length).toBeGreaterThanOrEqual(60);
    });

    it.each(SECRET_SAMPLES)('removes $name', ({ line, secret }) => {
      const out = redact(line);

      expect(out).not.toContain(secret);
      expect(out).toContain('[redacted');
      expect(redact(out)).toBe(out);
    });

    it.each(READABLE_LINES)('leaves readable: %s', (line) => {
      expect(redact(line)).toBe(line);
    });
  });

  describe('redactDeep', () => {
    it('redacts every string and the value of every key naming a secret, keeping the structure', () => {
      const value = {
        env: 'prd',
        password: 'plain',
        nested: [{ routing_key: 'R0123456789', line: 'export DB_PASSWORD=hunter2' }],
        count: 3,
      };

      const out = redactDeep(value);

      expect(out).toEqual({
        env: 'prd',
        password: '[redacted]',
        nested: [{ routing_key: '[redacted]', line: 'export DB_PASSWORD=[redacted]' }],
        count: 3,
      });
      expect(value.password).toBe('plain');
    });
  });
});
