import { describe, it, expect } from 'vitest';
import { formatSeconds } from '../src-main/progress.ts';

describe('progress', () => {
  it('formats durations without a 60th second', () => {
    expect(formatSeconds(59.6)).toBe('1m00s');
    expect(formatSeconds(179.7)).toBe('3m00s');
    expect(formatSeconds(61.2)).toBe('1m01s');
    expect(formatSeconds(42.4)).toBe('42s');
    expect(formatSeconds(NaN)).toBe('--');
  });
});
