/**
 * The text of one turn as the person gets it: each round's text and each notice (a fallback, a bound
 * reached) as a paragraph of its own. Where the channel streams (`sink`), everything reaches it through
 * the stream: the model's deltas as they come, and whatever was not streamed (the offline planner's
 * answer, a notice) when it is added, so nothing is said only in the final text a streaming channel
 * does not print again.
 */
export class AnswerText {
  private readonly parts: string[] = [];
  /** The last character written to the sink; undefined before anything was. */
  private last: string | undefined;
  /** Something of the current round (or since the last notice) was written to the sink. */
  private roundStreamed = false;

  constructor(private readonly sink: ((delta: string) => void) | undefined) {}

  /** For the planner's `onText`: a delta of the current round, after a paragraph break when one is due. */
  readonly delta = (delta: string): void => {
    if (!this.sink || delta === '') return;
    if (!this.roundStreamed && this.last !== undefined) this.sink(this.last === '\n' ? '\n' : '\n\n');
    this.roundStreamed = true;
    this.sink(delta);
    this.last = delta.at(-1);
  };

  /** A new round starts: its text is a new paragraph. */
  nextRound(): void {
    this.roundStreamed = false;
  }

  /** The round's whole text: kept for the answer, and streamed now when the planner did not stream it. */
  add(text: string): void {
    if (text === '') return;
    this.parts.push(text);
    if (!this.roundStreamed) this.delta(text);
  }

  /** A notice of the loop's own: a paragraph of its own, streamed at once. */
  notice(text: string): void {
    this.parts.push(text);
    this.roundStreamed = false;
    this.delta(text);
    this.roundStreamed = false;
  }

  /** A tool's result as people read it: a paragraph of its own, streamed at once. */
  shown(text: string): void {
    this.notice(text);
  }

  /** Everything added, paragraph by paragraph: what a channel that does not stream shows. */
  text(): string {
    return this.parts.join('\n\n');
  }
}

/** `text` as a sentence: ending in exactly one full stop unless it already ends in . ! or ?. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
