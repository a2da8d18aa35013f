import { AdaptiveLimit } from './adaptive-limit';

describe('AdaptiveLimit', () => {
  /** Takes `n` slots at once; resolves to how many were granted without waiting. */
  const take = async (sut: AdaptiveLimit, n: number) => {
    let granted = 0;
    for (let i = 0; i < n; i++) void sut.acquire().then(() => granted++);
    await Promise.resolve();
    await Promise.resolve();
    return granted;
  };

  it('should grant up to its share and queue the rest in order', async () => {
    const sut = new AdaptiveLimit(2);
    expect(await take(sut, 3)).toBe(2);
    expect(sut.running).toBe(2);
    sut.release('ok');
    await Promise.resolve();
    expect(sut.running).toBe(2); // the waiter took the freed slot
    expect(sut.takeUsage()).toEqual({ used: true, wanted: true, throttles: 0 });
    expect(sut.takeUsage()).toEqual({ used: false, wanted: false, throttles: 0 });
  });

  it('should allow one fewer than were in flight after a 429, and grow back one slot per 16 successes per slot', () => {
    const sut = new AdaptiveLimit(4);
    for (let i = 0; i < 4; i++) void sut.acquire();
    sut.release('throttled'); // 4 were in flight
    expect(sut.allowed).toBe(3);
    expect(sut.takeUsage().throttles).toBe(1);
    for (let i = 0; i < 3 * 16 - 1; i++) {
      void sut.acquire();
      sut.release('ok');
    }
    expect(sut.allowed).toBe(3);
    void sut.acquire();
    sut.release('ok');
    expect(sut.allowed).toBe(4);
    for (let i = 0; i < 1000; i++) {
      void sut.acquire();
      sut.release('ok');
    }
    expect(sut.allowed).toBe(4); // never beyond the share
  });

  it('should follow its share, never below one', async () => {
    const sut = new AdaptiveLimit(4);
    sut.setShare(0);
    expect(sut.allowed).toBe(1);
    sut.setShare(2);
    expect(await take(sut, 3)).toBe(2);
  });

  it('should drop an aborted waiter from the queue', async () => {
    const sut = new AdaptiveLimit(1);
    await sut.acquire();
    const controller = new AbortController();
    const waiting = sut.acquire(controller.signal);
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    sut.release('ok');
    expect(sut.running).toBe(0);
  });
});
