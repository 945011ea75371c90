import type { Message } from './types.js';

/**
 * Conversations kept per channel thread (a Slack thread, a REPL session), each bounded in messages, and
 * the number of conversations bounded too (least recently used dropped first).
 */
export class ConversationMemory {
  private readonly threads = new Map<string, Message[]>();

  constructor(
    private readonly maxMessages: number,
    private readonly maxThreads = 1000,
  ) {}

  /** The thread's messages (a live array the loop appends to); empty for a new thread. */
  get(thread: string): Message[] {
    let messages = this.threads.get(thread);
    if (messages) {
      this.threads.delete(thread); // re-insert: most recently used last
    } else {
      messages = [];
    }
    this.threads.set(thread, messages);
    while (this.threads.size > this.maxThreads) {
      const oldest = this.threads.keys().next().value;
      if (oldest === undefined) break;
      this.threads.delete(oldest);
    }
    return messages;
  }

  /**
   * Cuts the oldest messages so at most `maxMessages` remain, starting at a person's plain message, so a
   * tool result is never kept without the call it answers.
   */
  trim(messages: Message[]): void {
    if (messages.length <= this.maxMessages) return;
    let start = messages.length - this.maxMessages;
    while (start < messages.length && !isPersonText(messages[start]!)) start++;
    messages.splice(0, start);
  }
}

function isPersonText(message: Message): boolean {
  return message.role === 'user' && message.content.every((b) => b.type === 'text');
}
