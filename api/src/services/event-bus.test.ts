import { afterEach, describe, expect, it, vi } from 'vitest';
import { RECONNECTED, reconnectSignal } from './event-bus';

/** A bus whose reconnects the test triggers. */
function fakeBus() {
  const listeners = new Set<() => void>();
  return {
    onReconnect(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reconnect: () => {
      for (const listener of listeners) listener();
    },
    listeners,
  };
}

/** Whether the promise settled within the current turn of the event loop's microtasks. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await Promise.resolve();
  await Promise.resolve();
  return done;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a reader told of the bus reconnecting', () => {
  it('is woken while waiting, and once more a second later for log writes still in flight', async () => {
    vi.useFakeTimers();
    const bus = fakeBus();
    const signal = reconnectSignal(bus);
    const waiting = signal.next();
    bus.reconnect();
    expect(await waiting).toBe(RECONNECTED);
    signal.take();
    const again = signal.next();
    expect(await settled(again)).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(await again).toBe(RECONNECTED);
  });

  it('keeps a reconnect that came while the reader was busy until it says it caught up', async () => {
    const bus = fakeBus();
    const signal = reconnectSignal(bus);
    // The reader's last wait lost to a live event; it is busy passing that on when the bus reconnects.
    void signal.next();
    bus.reconnect();
    expect(await settled(signal.next())).toBe(true);
    expect(await settled(signal.next())).toBe(true);
    signal.take();
    expect(await settled(signal.next())).toBe(false);
    signal.stop();
  });

  it('lets go of the bus and its timers when stopped', () => {
    vi.useFakeTimers();
    const bus = fakeBus();
    const signal = reconnectSignal(bus);
    bus.reconnect();
    signal.stop();
    expect(bus.listeners.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
