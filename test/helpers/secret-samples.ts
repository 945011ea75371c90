/**
 * Secrets as they turn up in workload logs, events and people's messages: one line each, and the part
 * that must never reach a sink. Shared by the unit test of the table and the end-to-end test of the sinks.
 * Every value is made up; none is a live credential.
 */
export interface SecretSample {
  name: string;
  line: string;
  /** What must not appear in any sink. */
  secret: string;
}

const HEX32 = '4f1d9c2b8e7a6f5d3c2b1a0f9e8d7c6b';
const B64_40 = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

export const SECRET_SAMPLES: readonly SecretSample[] = [
  // The five that leaked before.
  {
    name: 'password flag and a space',
    line: 'exec: migrate --password Tr0ub4dor&3 --db shop',
    secret: 'Tr0ub4dor&3',
  },
  { name: 'JSON "pass" key', line: '{"user": "app", "pass": "q9!vLz#2mK"}', secret: 'q9!vLz#2mK' },
  {
    name: 'Slack incoming webhook URL',
    line: 'notify -> https://hooks.slack.com/services/T0ABCDEF1/B0GHIJKL2/x9Yz8Wv7Ut6Sr5Qp4On3Ml2K',
    secret: 'x9Yz8Wv7Ut6Sr5Qp4On3Ml2K',
  },
  {
    name: 'PagerDuty Events routing_key',
    line: 'POST /v2/enqueue {"routing_key": "R03ABCDEFGHIJKLMNOPQRSTUVWXYZ01", "event_action": "trigger"}',
    secret: 'R03ABCDEFGHIJKLMNOPQRSTUVWXYZ01',
  },
  { name: 'PagerDuty integration key env line', line: `PAGERDUTY_INTEGRATION_KEY=${HEX32}`, secret: HEX32 },
  // Private keys across lines.
  {
    name: 'PEM RSA private key',
    line: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx7Zq\nq2LmP0RsTuV\n-----END RSA PRIVATE KEY-----',
    secret: 'MIIEowIBAAKCAQEAx7Zq',
  },
  {
    name: 'PEM PKCS#8 private key',
    line: 'key loaded:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END PRIVATE KEY-----\nok',
    secret: 'MIIEvQIBADANBgkqhkiG9w0B',
  },
  {
    name: 'PEM EC private key',
    line: '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk\n-----END EC PRIVATE KEY-----',
    secret: 'MHcCAQEEIBkg4LVWM9nuwNSk',
  },
  {
    name: 'encrypted PEM private key',
    line: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0w\n-----END ENCRYPTED PRIVATE KEY-----',
    secret: 'MIIFHDBOBgkqhkiG9w0BBQ0w',
  },
  {
    name: 'OpenSSH private key',
    line: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\nAAAAEbm9uZQAAAAAAAAAB\n-----END OPENSSH PRIVATE KEY-----',
    secret: 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU',
  },
  {
    name: 'private key cut before its end',
    line: 'id_ed25519: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAcut',
    secret: 'b3BlbnNzaC1rZXktdjEAAAAAcut',
  },
  {
    name: 'PGP private key block',
    line: '-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBGQ7xZ1EBACk\n-----END PGP PRIVATE KEY BLOCK-----',
    secret: 'lQOYBGQ7xZ1EBACk',
  },
  {
    name: 'GCP service account private key in JSON',
    line: '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvgIBADANBgkqhkiG9w0BAQEF\\n-----END PRIVATE KEY-----\\n"}',
    secret: 'MIIEvgIBADANBgkqhkiG9w0BAQEF',
  },
  {
    name: 'GCP service account private_key_id',
    line: '"private_key_id": "3b9f0c1d2e4a5b6c7d8e9f0a1b2c3d4e5f607182"',
    secret: '3b9f0c1d2e4a5b6c7d8e9f0a1b2c3d4e5f607182',
  },
  // JWTs and bearer credentials.
  {
    name: 'JWT',
    line: 'session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U seen',
    secret: 'eyJzdWIiOiIxMjM0NTY3ODkwIn0',
  },
  {
    name: 'bearer token',
    line: 'Authorization: Bearer abcdef0123456789abcdef',
    secret: 'abcdef0123456789abcdef',
  },
  { name: 'basic credentials', line: 'authorization: Basic YWxpY2U6czNjcjN0', secret: 'YWxpY2U6czNjcjN0' },
  {
    name: 'token authorization scheme',
    line: 'Authorization: Token token=y_NbAkKc66ryYTWUXYEu',
    secret: 'y_NbAkKc66ryYTWUXYEu',
  },
  { name: 'cookie header', line: 'Cookie: sid=s%3Aabcdef123; theme=dark', secret: 's%3Aabcdef123' },
  {
    name: 'EKS token',
    line: 'token k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20v',
    secret: 'aHR0cHM6Ly9zdHMu',
  },
  // AWS.
  { name: 'AWS access key id', line: 'key AKIAIOSFODNN7EXAMPLE used', secret: 'AKIAIOSFODNN7EXAMPLE' },
  { name: 'AWS secret access key env line', line: `AWS_SECRET_ACCESS_KEY=${B64_40}`, secret: B64_40 },
  { name: 'AWS secret key after its key id', line: `AKIAIOSFODNN7EXAMPLE,${B64_40}`, secret: B64_40 },
  {
    name: 'AWS secret key in JSON',
    line: `{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","SecretAccessKey":"${B64_40}"}`,
    secret: 'wJalrXUtnFEMI',
  },
  {
    name: 'AWS session token',
    line: 'aws_session_token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH',
    secret: 'IQoJb3JpZ2lu',
  },
  // GCP and Azure.
  {
    name: 'Google API key',
    line: 'maps key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
    secret: 'SyD-9tSrke72PouQMnMX',
  },
  {
    name: 'Google API key alone',
    line: 'using AIzaSyB1c2D3e4F5g6H7i8J9k0LmNoPqRsTuVwX',
    secret: 'AIzaSyB1c2D3e4F5',
  },
  {
    name: 'Google OAuth access token',
    line: 'got ya29.a0AfH6SMBx3k9LmQz-7WvYtUe2RpOn',
    secret: 'a0AfH6SMBx3k9LmQz',
  },
  {
    name: 'Google OAuth client secret',
    line: 'client GOCSPX-1a2B3c4D5e6F7g8H9i0JkLmN',
    secret: '1a2B3c4D5e6F7g8H9i0',
  },
  {
    name: 'Azure storage connection string',
    line: 'DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net',
    secret: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1',
  },
  {
    name: 'Azure Service Bus shared access key',
    line: 'Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=9rT3kQm7XbZ2pL8vN4cY6wE1sA0dF5gH=',
    secret: '9rT3kQm7XbZ2pL8vN4cY6wE1',
  },
  {
    name: 'Azure SAS signature',
    line: 'GET https://shop.blob.core.windows.net/c/b?sv=2022-11-02&sig=Zx9%2Bq7Lm3Kp0Rt5Vw8Ny2Bc4&se=2026',
    secret: 'Zx9%2Bq7Lm3Kp0Rt5Vw8Ny2Bc4',
  },
  {
    name: 'Azure AD client secret',
    line: 'AZURE_CLIENT_SECRET used: abC8Q~dEfGhIjKlMnOpQrStUvWxYz0123456789_',
    secret: 'dEfGhIjKlMnOpQrStUvWxYz0123456789_',
  },
  // Slack, Teams, Discord.
  {
    name: 'Slack bot token',
    line: 'SLACK_BOT_TOKEN=xoxb-123456789012-abcdefghijkl',
    secret: 'xoxb-123456789012',
  },
  { name: 'Slack user token', line: 'using xoxp-1234-5678-91011-abcdef0123456789', secret: 'xoxp-1234-5678' },
  {
    name: 'Slack app token',
    line: 'socket mode with xapp-1-A0JARVIS-1-abcdef012345',
    secret: 'xapp-1-A0JARVIS-1',
  },
  {
    name: 'Slack workflow webhook',
    line: 'POST https://hooks.slack.com/workflows/T0ABC/A0DEF/123456/Qz8RtY7uI6oP5aS4dF3g',
    secret: 'Qz8RtY7uI6oP5aS4dF3g',
  },
  {
    name: 'Microsoft Teams webhook URL',
    line: 'teams: https://contoso.webhook.office.com/webhookb2/a1b2c3d4-e5f6@t1/IncomingWebhook/9f8e7d6c5b4a/e1d2c3b4',
    secret: 'IncomingWebhook/9f8e7d6c5b4a',
  },
  {
    name: 'Discord webhook URL',
    line: 'discord: https://discord.com/api/webhooks/1234567890123/AbCdEfGhIjKlMnOpQrStUvWxYz_0123-4567',
    secret: 'AbCdEfGhIjKlMnOpQrStUvWxYz_0123',
  },
  // Model providers.
  {
    name: 'Anthropic API key',
    line: 'ANTHROPIC key sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4',
    secret: 'api03-Zx9Yw8Vu7Ts6',
  },
  {
    name: 'OpenAI project key',
    line: 'openai sk-proj-Ab12Cd34Ef56Gh78Ij90KlMn',
    secret: 'Ab12Cd34Ef56Gh78Ij90',
  },
  { name: 'OpenAI legacy key', line: 'key sk-9Zy8Xw7Vu6Ts5Rq4Po3Nm2Lk1Jh0', secret: '9Zy8Xw7Vu6Ts5Rq4Po3N' },
  // Source hosts and registries.
  {
    name: 'GitHub personal token',
    line: 'git clone https://ghp_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78@github.com/o/r',
    secret: 'Ab12Cd34Ef56Gh78Ij90',
  },
  {
    name: 'GitHub fine-grained token',
    line: 'GH=github_pat_11ABCDEFG0123456789_abcdefghijklmnop',
    secret: 'github_pat_11ABCDEFG',
  },
  {
    name: 'GitHub app token',
    line: 'ghs_Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0 issued',
    secret: 'Zy9Xw8Vu7Ts6Rq5Po4',
  },
  {
    name: 'GitLab personal token',
    line: 'PRIVATE-TOKEN glpat-Ab1Cd2Ef3Gh4Ij5Kl6Mn7',
    secret: 'Ab1Cd2Ef3Gh4Ij5Kl6',
  },
  { name: 'GitLab runner token', line: 'runner glrt-Zz9Yy8Xx7Ww6Vv5Uu4Tt3', secret: 'Zz9Yy8Xx7Ww6Vv5Uu4' },
  {
    name: 'npm token',
    line: 'npm_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78 in .npmrc',
    secret: 'Ab12Cd34Ef56Gh78Ij90',
  },
  {
    name: 'npmrc auth token',
    line: '//registry.npmjs.org/:_authToken=8f3c2d1e-0b9a-4c7d-8e6f-5a4b3c2d1e0f',
    secret: '8f3c2d1e-0b9a-4c7d',
  },
  {
    name: 'Docker config auth',
    line: '{"auths": {"ghcr.io": {"auth": "YWxpY2U6Z2hwX3NlY3JldA=="}}}',
    secret: 'YWxpY2U6Z2hwX3NlY3JldA',
  },
  // Databases and URLs.
  {
    name: 'Postgres URL with password',
    line: 'connecting to postgres://app:s3cr3t-pw@db.internal:5432/shop',
    secret: 's3cr3t-pw',
  },
  {
    name: 'MySQL URL with password',
    line: 'DATABASE_URL=mysql://root:r00tPw!@mysql:3306/app',
    secret: 'r00tPw!',
  },
  {
    name: 'MongoDB SRV URL with password',
    line: 'mongodb+srv://svc:m0ng0Pass@cluster0.abcd.mongodb.net/db',
    secret: 'm0ng0Pass',
  },
  { name: 'Redis URL with password only', line: 'redis://:r3d1sPw@cache:6379/0', secret: 'r3d1sPw' },
  {
    name: 'ADO connection string password',
    line: 'Server=db;Database=shop;User Id=sa;Password=Sql$erv3rPw;',
    secret: 'Sql$erv3rPw',
  },
  { name: 'netrc password', line: 'machine api.example.com login bot password n3trcPw', secret: 'n3trcPw' },
  {
    name: 'Sentry DSN',
    line: 'SENTRY=https://0123456789abcdef0123456789abcdef@o123.ingest.sentry.io/42',
    secret: '0123456789abcdef0123456789abcdef',
  },
  // Secret-named keys as flags, env lines, JSON, YAML and query parameters.
  { name: 'password flag with =', line: 'psql --password=hunter2 -h db', secret: 'hunter2' },
  { name: 'token flag and a space', line: 'cli login --token t0k3nValue99', secret: 't0k3nValue99' },
  { name: 'api-key flag', line: 'curl-wrapper --api-key abcd1234efgh', secret: 'abcd1234efgh' },
  { name: 'secret flag', line: 'vault write --client-secret=cl1entS3cret', secret: 'cl1entS3cret' },
  { name: 'credential flag', line: 'tool --credentials /dev/shm/cr3ds.json', secret: 'cr3ds.json' },
  { name: 'pass flag', line: 'openssl enc --pass pa55phr4se', secret: 'pa55phr4se' },
  { name: 'password env line', line: 'export DB_PASSWORD=hunter2', secret: 'hunter2' },
  { name: 'passwd env line', line: 'MYSQL_ROOT_PASSWD="r00t pw"', secret: 'r00t pw' },
  { name: 'pwd env line', line: 'REDIS_PWD=r3dis!', secret: 'r3dis!' },
  { name: 'secret env line', line: 'JWT_SECRET=jwts3cr3tvalue', secret: 'jwts3cr3tvalue' },
  { name: 'token env line', line: 'GITHUB_TOKEN=abcdefabcdef0123', secret: 'abcdefabcdef0123' },
  { name: 'api key env line', line: 'DATADOG_API_KEY=dd0123456789abcd', secret: 'dd0123456789abcd' },
  { name: 'credential env line', line: 'SMTP_CREDENTIAL=smtpCr3d', secret: 'smtpCr3d' },
  { name: 'JSON password', line: '{"password":"p@ss w0rd"}', secret: 'p@ss w0rd' },
  { name: 'JSON client secret', line: '{"client_secret": "abc123xyz"}', secret: 'abc123xyz' },
  { name: 'JSON api key', line: '{"apiKey": "k-00aa11bb22"}', secret: 'k-00aa11bb22' },
  { name: 'JSON token', line: '{"access_token":"at-98765zyx","expires_in":3600}', secret: 'at-98765zyx' },
  { name: 'YAML password', line: 'db:\n  password: yamlPw123\n  host: db', secret: 'yamlPw123' },
  { name: 'YAML secret quoted', line: 'client_secret: "abc 123 xyz"', secret: 'abc 123 xyz' },
  { name: 'YAML token', line: 'slack:\n  token: plainT0ken', secret: 'plainT0ken' },
  { name: 'query password', line: 'GET /login?user=bob&password=hunter2&next=/', secret: 'hunter2' },
  { name: 'query token', line: 'GET /feed?token=qT0k3n&page=2', secret: 'qT0k3n' },
  { name: 'query api_key', line: 'GET /v1/rates?api_key=qk12345abc', secret: 'qk12345abc' },
  {
    name: 'quoted password with spaces',
    line: 'password="correct horse battery" user=bob',
    secret: 'correct horse battery',
  },
  // Random-looking values after a secret-looking word.
  {
    name: 'high-entropy value after "signing key"',
    line: 'webhook signing key 7Hq2Lm9Xv4Rt8Zp1Wn6Ks3Jd',
    secret: '7Hq2Lm9Xv4Rt8Zp1Wn6Ks3Jd',
  },
  {
    name: 'high-entropy value after "master key is"',
    line: 'the master key is 9fX2kLq8Rz3vTn6WbY1cHd4M',
    secret: '9fX2kLq8Rz3vTn6WbY1cHd4M',
  },
  {
    name: 'high-entropy value after a secret header',
    line: 'X-Api-Key => 3kP9zQ2wL7xR5tV8nB4mC6yH',
    secret: '3kP9zQ2wL7xR5tV8nB4mC6yH',
  },
  // Other vendors.
  { name: 'Stripe key', line: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', secret: '4eC39HqLyjWDarjtT1zdp7dc' },
  {
    name: 'SendGrid key',
    line: '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',
    secret: 'TwL2iGABf9DHoTf',
  },
  { name: 'Vault token', line: 'VAULT hvs.CAESIJx7q2Lm9Xv4Rt8Zp1Wn6Ks3Jd', secret: 'CAESIJx7q2Lm9Xv4' },
  {
    name: 'Grafana service account token',
    line: 'glsa_Ab12Cd34Ef56Gh78Ij90Kl12_0a1b2c3d',
    secret: 'Ab12Cd34Ef56Gh78',
  },
  {
    name: 'PyPI token',
    line: `pypi-AgEIcHlwaS5vcmcCJGE4ZjM5YjY3LTgwZWQtNDBhMi1iZWQ1LTAxMjM0NTY3ODlhYgACKlszLCJ`,
    secret: 'AgEIcHlwaS5vcmcC',
  },
];

/**
 * Lines an SRE must still be able to read after redaction: versions, request ids, commit SHAs, ARNs,
 * image tags and digests, and sentences that merely mention a secret.
 */
export const READABLE_LINES: readonly string[] = [
  'GET /api/cart 200 12ms version=1.3.0 pod=checkout-green-7d9f',
  'deploying checkout 1.3.0-rc.2 to prd (was 1.2.0)',
  'request_id=3f2c9a1e-7b4d-4c8e-9f0a-1b2c3d4e5f60 status=500 path=/api/pay',
  'X-Request-Id: 9b1de7c4-2f3a-4d5e-8a6b-7c8d9e0f1a2b',
  'commit 4f9a8c7e6d5b4a3f2e1d0c9b8a7f6e5d4c3b2a19 by alice',
  'built from sha 9e107d9d372bb6826bd81d3542a419d6e2f1a8b3',
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/checkout-blue/50dc6c495c0c9188',
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee',
  'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  'arn:aws:iam::123456789012:role/jarvis-deployer',
  'image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout:1.3.1',
  'digest sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'Back-off restarting failed container checkout in pod checkout-green-5f7d8c9b6-x2x4q',
  'Authorization header missing; expected a Bearer token',
  'password reset requested for user bob',
  'token bucket refilled: 50 tokens',
  'node ip-10-0-12-34.eu-west-1.compute.internal Ready; kubelet v1.29.3-eks-ae9a62a',
  'OOMKilled: memory limit 512Mi exceeded (container checkout)',
  'https://checkout.prd.example.com/healthz returned 503 in 1240ms',
  'trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7',
];
