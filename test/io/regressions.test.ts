// Every file in regressions/ once broke a reader (crash, hang, foreign exception). Each must now
// give a consistent Volume or a LumenError.
import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { isLumenError } from '../../src-shared/errors.ts';
import { readVolume } from '../../src-shared/io/index.ts';

const dir = path.join(__dirname, 'regressions');

describe('regression files', () => {
  const files = readdirSync(dir).filter((f) => !/\.(md|json)$/.test(f));
  it('there are regression files', () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    it(f, async () => {
      const outcome = await readVolume(path.join(dir, f)).then(
        (v) => (v.data.length === v.shape.reduce((a, b) => a * b, 1) ? 'volume' : 'inconsistent'),
        (e: unknown) => (isLumenError(e) ? 'lumen-error' : `foreign: ${String(e)}`),
      );
      expect(['volume', 'lumen-error']).toContain(outcome);
    });
  }
});
