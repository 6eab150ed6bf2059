// The training steps a strategy ran and the steps its budget allowed, counted from its progress
// reports (every training step of every phase reports its loss), so any strategy's steps are
// known without each one adding up its phases in its own report. A phase that stops early or at a
// deadline shows as done < planned.
import type { StrategyProgress } from './strategy.ts';

export class StepTally {
  /** per phase name: steps of its finished fits, and of the one in progress */
  private readonly phases = new Map<string, { doneBefore: number; plannedBefore: number; step: number; steps: number }>();

  /** Pass as (or call from) the strategy context's `progress`. */
  readonly observe = (p: StrategyProgress): void => {
    if (p.loss === undefined) return; // evaluations and prediction passes are not training steps
    const ph = this.phases.get(p.phase);
    if (!ph) { this.phases.set(p.phase, { doneBefore: 0, plannedBefore: 0, step: p.step, steps: p.steps }); return; }
    // the same phase name counting from the start again: a second fit of that phase
    if (p.step <= ph.step) { ph.doneBefore += ph.step; ph.plannedBefore += ph.steps; }
    ph.step = p.step; ph.steps = p.steps;
  };

  get done(): number {
    return [...this.phases.values()].reduce((a, ph) => a + ph.doneBefore + ph.step, 0);
  }

  get planned(): number {
    return [...this.phases.values()].reduce((a, ph) => a + ph.plannedBefore + ph.steps, 0);
  }
}
