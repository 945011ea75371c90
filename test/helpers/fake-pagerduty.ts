import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A note as the fake PagerDuty received it. */
export interface ReceivedNote {
  id: string;
  incidentId: string;
  content: string;
  headers: IncomingHttpHeaders;
}

export interface FakePagerDuty {
  /** Base URL of its REST API, for PagerDutyClient's `baseUrl`. */
  url: string;
  token: string;
  from: string;
  notes: ReceivedNote[];
  /** Answers the next `n` requests with `status` (429, 500...) before behaving again. */
  failNext(n: number, status: number): void;
  close(): Promise<void>;
}

/**
 * A fake of the PagerDuty REST API on loopback: `POST /incidents/{id}/notes` with the answer shapes of
 * the real one (201 with the note; 401 without `Authorization: Token token=<token>`, 400 without a
 * `From` header, 404 for other paths), recording every note it accepts.
 */
export async function startFakePagerDuty(
  token = 'pd-test-token',
  from = 'jarvis@example.com',
): Promise<FakePagerDuty> {
  const notes: ReceivedNote[] = [];
  let failures = { left: 0, status: 500 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown): void => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json' }).end(text);
      };
      if (failures.left > 0) {
        failures.left--;
        send(failures.status, { error: { message: 'Injected failure', code: 2001 } });
        return;
      }
      if (req.method === 'GET' && (req.url ?? '').startsWith('/users?')) {
        if (req.headers.authorization !== `Token token=${token}`) {
          send(401, { error: { message: 'Unauthorized', code: 2006 } });
          return;
        }
        const query = new URL(req.url ?? '', 'http://pagerduty').searchParams.get('query') ?? '';
        send(200, {
          users: query === from ? [{ id: 'PUSER01', type: 'user', email: from, name: 'Jarvis' }] : [],
          limit: 25,
          offset: 0,
          more: false,
        });
        return;
      }
      const match = /^\/incidents\/([A-Z0-9]+)\/notes$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        send(404, { error: { message: 'Not Found', code: 2100 } });
        return;
      }
      if (req.headers.authorization !== `Token token=${token}`) {
        send(401, { error: { message: 'Unauthorized', code: 2006 } });
        return;
      }
      if (req.headers.from !== from) {
        send(400, {
          error: { message: 'Invalid Input Provided', code: 2001, errors: ['Requester User Not Found'] },
        });
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { note?: { content?: string } };
      const id = `PNOTE${String(notes.length + 1).padStart(3, '0')}`;
      const content = body.note?.content ?? '';
      notes.push({ id, incidentId: match[1]!, content, headers: req.headers });
      send(201, {
        note: {
          id,
          content,
          created_at: new Date().toISOString(),
          user: { id: 'PUSER01', type: 'user_reference', summary: 'Jarvis' },
        },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    from,
    notes,
    failNext(n, status) {
      failures = { left: n, status };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
