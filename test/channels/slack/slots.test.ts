import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AckFirst } from '../../../src/channels/slack/ack-first.js';
import { TurnSlots } from '../../../src/channels/slack/slots.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('TurnSlots', () => {
  it('runs at most `size` turns at once and the rest in arrival order', async () => {
    // Arrange
    const slots = new TurnSlots(2);
    const started: number[] = [];

    // Act
    for (const n of [1, 2, 3, 4]) void slots.acquire().then(() => started.push(n));
    await tick();
    const first = [...started];
    slots.release();
    await tick();

    // Assert
    expect(first).toEqual([1, 2]);
    expect(started).toEqual([1, 2, 3]);
    expect(slots.busy).toBe(2);
    expect(slots.queued).toBe(1);
  });

  it('lends the slot of a turn waiting for a person to the next turn', async () => {
    // Arrange
    const slots = new TurnSlots(1);
    await slots.acquire();
    let answer!: (value: string) => void;
    const person = new Promise<string>((r) => (answer = r));
    let otherRan = false;

    // Act
    const waiting = slots.whileWaiting(person);
    void slots.acquire().then(() => {
      otherRan = true;
      slots.release();
    });
    await tick();
    answer('yes');

    // Assert
    expect(otherRan).toBe(true);
    expect(await waiting).toBe('yes');
    expect(slots.busy).toBe(1);
  });
});

describe('AckFirst', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('holds work back while a request is being answered, and releases it once answered', async () => {
    // Arrange
    const acks = new AckFirst();
    let respond!: () => void;
    server = createServer((_req, res) => {
      acks.track(res);
      respond = () => res.end('ok');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const answered = new Promise<void>((r) =>
      request({ port, host: '127.0.0.1' }, (res) => res.resume().on('end', r)).end(),
    );
    while (acks.pending === 0) await tick();

    // Act
    let released = false;
    const work = acks.settled(10_000).then(() => (released = true));
    await tick();
    const before = released;
    respond();
    await answered;
    await work;

    // Assert
    expect(before).toBe(false);
    expect(released).toBe(true);
    expect(acks.pending).toBe(0);
  });

  it('never holds work back longer than the limit', async () => {
    const acks = new AckFirst();
    server = createServer((_req, res) => acks.track(res));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const req = request({ port, host: '127.0.0.1' });
    req.on('error', () => undefined);
    req.end();
    while (acks.pending === 0) await tick();

    const t0 = Date.now();
    await acks.settled(100);

    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(acks.pending).toBe(1);
    req.destroy();
    server.closeAllConnections();
  });
});
