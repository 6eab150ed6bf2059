// Where the model is unsure, in the window: the newest prediction's uncertainty map for the slice
// overlay (U), and "Paint next", the slices along one axis most worth painting, which the host ranks
// (eval/suggest-slices.ts). Painting changes which slices are worth it, so the list is asked for
// again once the strokes pause; clicking a suggestion moves the views to that slice.
import type { Axis, SliceSuggestion } from '../../src-shared/api.ts';
import { api, ui, vox } from './app.svelte.ts';
import { axisNumber } from './planes.ts';

export const paintNext = $state({
  axis: 'z' as Axis,
  suggestions: [] as SliceSuggestion[],
  /** why the list is empty, in the user's words ('' while it has suggestions) */
  message: '',
});

let timer: ReturnType<typeof setTimeout> | undefined;
/** answers to older requests are dropped: only the newest labels and axis count */
let asked = 0;

/** The newest prediction's map into vox.uncertainty (null when it has none); the views redraw on voxVersion. */
export async function loadUncertainty(): Promise<void> {
  const id = ui.project?.prediction?.uncertaintyVolumeId ?? null;
  vox.uncertainty = id === null ? null : (await api().call('prediction.readUncertainty', { volumeId: id })).data;
}

/** Ask the host for the slices worth painting along the chosen axis, now. */
export async function refreshSuggestions(): Promise<void> {
  if (timer) { clearTimeout(timer); timer = undefined; }
  const pred = ui.project?.prediction;
  const seq = ++asked;
  if (!pred) { paintNext.suggestions = []; paintNext.message = 'Train to see where the model is unsure.'; return; }
  if (pred.uncertaintyVolumeId === null) { paintNext.suggestions = []; paintNext.message = 'This prediction has no uncertainty map: train again to get suggestions.'; return; }
  try {
    const got = await api().call('prediction.suggestSlices', { axis: paintNext.axis });
    if (seq !== asked) return;
    paintNext.suggestions = got;
    paintNext.message = got.length ? '' : 'Every slice lies next to one you painted.';
  } catch (e) {
    if (seq !== asked) return;
    paintNext.suggestions = [];
    paintNext.message = (e as Error).message;
  }
}

/** The labels changed: ask again once the strokes pause. */
export function scheduleSuggestions(): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => void refreshSuggestions(), 400);
}

export function setSuggestionAxis(axis: Axis): void {
  paintNext.axis = axis;
  void refreshSuggestions();
}

/** Move the views to a suggested slice. */
export function goToSuggestion(index: number): void {
  const c = [...ui.cursor] as [number, number, number];
  c[axisNumber(paintNext.axis)] = index;
  ui.cursor = c;
}
