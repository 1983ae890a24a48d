/**
 * The ordered queue between two stages of an answer (LLM → moderation → speech). Items keep their order;
 * control does not travel through it: an abort of the answer ends the consumer's iteration at once and
 * drops whatever was still queued, while `close()` lets the consumer drain what is left first.
 *
 * Unbounded on purpose: its producer is the model's own answer, capped by the response token limit.
 */
export class StageQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | null = null;
  private done = false;

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.close(), { once: true });
  }

  push(item: T): void {
    if (this.done) return;
    this.items.push(item);
    this.wake();
  }

  /** No more items: the consumer finishes after the ones already queued. */
  close(): void {
    this.done = true;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      if (this.signal.aborted) return;
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}
