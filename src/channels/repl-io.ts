import { Writable, type Readable } from 'node:stream';
import { createInterface, type Interface } from 'node:readline';

/**
 * Line input for the REPL: every line is queued as it arrives (so piped input is never lost between
 * prompts), prompts can hide what is typed (TOTP codes: no echo, kept out of the history), and Ctrl-C is
 * reported to the owner instead of killing the process.
 */
export class LineInput {
  private readonly rl: Interface;
  private readonly queue: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private closed = false;
  private hidden = false;
  private readonly echo: MutableOutput;
  /** Called on Ctrl-C (terminals only). */
  onInterrupt: () => void = () => undefined;

  constructor(
    input: Readable,
    private readonly output: NodeJS.WritableStream,
    readonly terminal: boolean,
  ) {
    this.echo = new MutableOutput(output);
    this.rl = createInterface({ input, output: this.echo, terminal, historySize: 200 });
    this.rl.on('line', (line) => this.push(line));
    this.rl.on('close', () => {
      this.closed = true;
      this.waiting?.(undefined);
      this.waiting = undefined;
    });
    this.rl.on('SIGINT', () => this.onInterrupt());
    // Node documents changing the history array in this event as the way to keep secrets out of it.
    this.rl.on('history', (history: string[]) => {
      if (this.hidden && history.length > 0) history.shift();
    });
  }

  private push(line: string): void {
    if (this.hidden) {
      this.echo.muted = false;
      this.output.write('\n');
    }
    const waiter = this.waiting;
    if (waiter) {
      this.waiting = undefined;
      waiter(line);
    } else {
      this.queue.push(line);
    }
  }

  /**
   * Shows `prompt` and resolves with the next line, or undefined at end of input or when `signal` aborts.
   * With `hidden`, what is typed is not echoed and not remembered.
   */
  read(prompt: string, opts: { hidden?: boolean; signal?: AbortSignal } = {}): Promise<string | undefined> {
    this.output.write(prompt);
    const queued = this.queue.shift();
    if (queued !== undefined) {
      if (!this.terminal && !opts.hidden) this.output.write(`${queued}\n`);
      else if (!this.terminal) this.output.write('\n');
      return Promise.resolve(queued);
    }
    if (this.closed) return Promise.resolve(undefined);
    this.hidden = opts.hidden === true;
    this.echo.muted = this.hidden && this.terminal;
    return new Promise((resolve) => {
      const done = (line: string | undefined): void => {
        opts.signal?.removeEventListener('abort', onAbort);
        this.hidden = false;
        this.echo.muted = false;
        resolve(line);
      };
      const onAbort = (): void => {
        if (this.waiting === done) this.waiting = undefined;
        this.output.write('\n');
        done(undefined);
      };
      if (opts.signal?.aborted) {
        onAbort();
        return;
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting = done;
    });
  }

  close(): void {
    this.rl.close();
  }
}

/** An output that can stop echoing while a hidden value is typed. */
class MutableOutput extends Writable {
  muted = false;

  constructor(private readonly target: NodeJS.WritableStream) {
    super();
  }

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    if (!this.muted) this.target.write(chunk);
    callback();
  }
}
