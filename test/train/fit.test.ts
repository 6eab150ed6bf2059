import { describe, expect, it } from 'vitest';
import { fit } from '../../src-shared/train/fit.ts';
import type { PatchSource } from '../../src-shared/train/patches.ts';
import { seededRandom } from '../../src-shared/nn/params.ts';
import { createRuntime } from '../../src-main/runtime.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });

/** One 32×32 slice of bright stripes; `target` says which class every voxel is given. */
function stripes(target: (bright: boolean) => number): PatchSource {
  const rand = seededRandom(4);
  const n = 32 * 32, image = new Float32Array(n), t = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const bright = Math.floor(i / 32) % 8 < 3;
    image[i] = (bright ? 1 : -0.5) + 0.2 * (rand() - 0.5);
    t[i] = target(bright);
  }
  return { shape: [1, 32, 32], image, target: t, weight: new Float32Array(n).fill(1) };
}

describe('fit: early stopping', () => {
  it('neither stops nor halves the learning rate while the model has found no foreground yet', async () => {
    // trained on background only, the model never predicts the stripes the validation set calls
    // foreground: Dice stays 0, which must not count as "no improvement" forever
    const r = await fit(runtime.factory, {
      model: { dims: 2, inChannels: 1, outChannels: 1, channels: [4, 8], norm: 'instance' },
      train: [stripes(() => 0)], validation: [stripes((bright) => (bright ? 1 : 0))],
      patch: [1, 16, 16], batch: 2, steps: 120, evalEvery: 20, lr: 0.02, stopPatience: 2, plateauPatience: 1, seed: 1,
    });
    const scores = r.history.filter((h) => h.validationDice !== undefined).map((h) => h.validationDice);
    expect(scores).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r.stoppedEarly).toBe(false);
    expect(r.steps).toBe(120);
    expect(r.history.at(-1)!.lr).toBe(r.history[0]!.lr); // no plateau halving either
  });
});

describe('fit: early stopping at the end of the budget', () => {
  it('says stopped early only when patience ended training before its last step', async () => {
    // lr 0: the held-out Dice never changes, so patience (2 evaluations) runs out at step 30
    const run = (steps: number) => fit(runtime.factory, {
      model: { dims: 2, inChannels: 1, outChannels: 1, channels: [4, 8], norm: 'instance' },
      train: [stripes((bright) => (bright ? 1 : 0))], validation: [stripes((bright) => (bright ? 1 : 0))],
      patch: [1, 16, 16], batch: 2, steps, evalEvery: 10, lr: 0, stopPatience: 2, seed: 1,
    });
    const cut = await run(40);
    expect(cut.bestValidationDice).toBeGreaterThan(0);
    expect(cut.stoppedEarly).toBe(true);
    expect(cut.steps).toBe(30);
    const spent = await run(30); // patience runs out at the last step: the budget ended it
    expect(spent.stoppedEarly).toBe(false);
    expect(spent.steps).toBe(30);
  });
});

describe('fit: deadline', () => {
  it('ends training at the deadline, after one step at least, and evaluates the weights it ends with', async () => {
    const started = performance.now();
    let evaluatedAt = 0;
    const r = await fit(runtime.factory, {
      model: { dims: 2, inChannels: 1, outChannels: 1, channels: [4, 8], norm: 'instance' },
      train: [stripes((bright) => (bright ? 1 : 0))], validation: [stripes((bright) => (bright ? 1 : 0))],
      patch: [1, 16, 16], batch: 2, steps: 100_000, evalEvery: 1000, lr: 0.02, seed: 1,
      deadline: started + 1500, onEval: (step) => { evaluatedAt = step; },
    });
    expect(r.outOfTime).toBe(true);
    expect(r.steps).toBeGreaterThan(0);
    expect(r.steps).toBeLessThan(100_000);
    expect(r.history).toHaveLength(r.steps);
    // no evaluation fell due before the deadline: the last weights were scored when time ran out
    expect(evaluatedAt).toBe(r.steps);
    expect(r.bestValidationDice).toBeGreaterThanOrEqual(0);
  });
});
