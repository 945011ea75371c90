// The floor of the slack ack benchmark: the least a correct Slack endpoint does (read the body, check
// the v0 signature in constant time, parse the JSON, answer 200), on plain node:http, in its own process.
// Prints its URL on stdout.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const secret = process.argv[2] ?? '';
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const timestamp = String(req.headers['x-slack-request-timestamp']);
    const expected = Buffer.from(
      `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
    );
    const given = Buffer.from(String(req.headers['x-slack-signature']));
    const ok = given.length === expected.length && timingSafeEqual(given, expected);
    if (ok) JSON.parse(body);
    res.writeHead(ok ? 200 : 401).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => server.close());
