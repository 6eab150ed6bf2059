// The training context's stop request as the sliding window's cancel signal, so a Stop during a
// candidate's whole-volume prediction ends it between patches.
import type { CancelSignal } from '../../infer/cancel.ts';
import type { StrategyContext } from '../strategy.ts';

export const stopSignal = (ctx: StrategyContext): CancelSignal => ({ get cancelled() { return ctx.shouldStop?.() === true; } });
