import { backoffDelayMs, isRetryable, ProcessingError } from './retry-policy';

describe(isRetryable.name, () => {
  it('should honour a boolean retryable property and default to retryable', () => {
    expect(isRetryable(new ProcessingError('bad input', false))).toBe(false);
    expect(isRetryable(Object.assign(new Error('quota'), { retryable: false }))).toBe(false);
    expect(isRetryable(Object.assign(new Error('timeout'), { retryable: true }))).toBe(true);
    expect(isRetryable(new Error('unknown'))).toBe(true);
    expect(isRetryable(Object.assign(new Error('odd'), { retryable: 'no' }))).toBe(true);
    expect(isRetryable(null)).toBe(true);
  });
});

describe(backoffDelayMs.name, () => {
  it('should double with each attempt, jittered between half and all of it', () => {
    expect(backoffDelayMs(1, 1000, () => 0)).toBe(500);
    expect(backoffDelayMs(1, 1000, () => 1)).toBe(1000);
    expect(backoffDelayMs(3, 1000, () => 0)).toBe(2000);
    expect(backoffDelayMs(3, 1000, () => 1)).toBe(4000);
  });
});
