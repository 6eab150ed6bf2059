// The live preview in the window: after each stroke (and when the views move to other slices) the
// host is asked for a preview of the planes on screen; its answer comes as an event and is drawn
// over the slices in the classes' colours until something newer (a deep model's prediction) comes.
// Requests are cheap to repeat: the host keeps only the newest and skips what it showed already.
import type { PreviewPlaneData, PreviewUpdate } from '../../src-shared/api.ts';
import { api, ui } from './app.svelte.ts';

export const live = $state({
  /** the user's switch (on by default: the preview is the quickest feedback the app gives) */
  enabled: true,
  /** what the preview shows or why it shows nothing */
  status: '',
  /** seconds from the newest stroke to the preview that includes it (null before the first) */
  delay: null as number | null,
  /** bumped when the planes change, so the views redraw */
  version: 0,
});

/** The planes of the newest preview (plain, not proxied: they hold many voxels). */
export const previewPlanes: { planes: PreviewPlaneData[] } = { planes: [] };

/** The newest committed stroke: its labels revision and when it was made. */
let stroke = { revision: -1, at: 0 };
let timer: ReturnType<typeof setTimeout> | undefined;

/**
 * The labels revision a deep model's prediction on screen was made from: until a stroke changes
 * the labels again, the prediction is the newer answer and scrolling must not cover it with a preview.
 */
let predictionMadeAt = -1;

function wanted(): boolean {
  const labels = ui.project?.labels;
  return live.enabled && ui.mode === 'classes' && !!labels && !!ui.project!.volume && labels.revision !== predictionMadeAt;
}

/** Ask for a preview of the views through the cursor, now. */
export function requestPreview(): void {
  if (timer) { clearTimeout(timer); timer = undefined; }
  if (!wanted()) return;
  api().call('preview.request', { cursor: [...ui.cursor] as [number, number, number] }).catch(() => { /* a closed project: nothing to preview */ });
}

/** The views moved (slices scrolled): ask once they rest for a moment. */
export function schedulePreview(): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(requestPreview, 150);
}

/** A stroke, undo or redo was saved as `revision`. */
export function strokeSaved(revision: number): void {
  stroke = { revision, at: performance.now() };
  if (wanted()) live.status = 'updating the preview…';
  requestPreview();
}

export function onPreview(p: PreviewUpdate): void {
  // kept while switched off too: the host does not send again what it sent once
  if (p.message !== null) {
    live.status = p.message;
    return;
  }
  previewPlanes.planes = p.planes;
  if (p.labelsRevision === stroke.revision) live.delay = +((performance.now() - stroke.at) / 1000).toFixed(2);
  const current = p.labelsRevision === (ui.project?.labels?.revision ?? -1);
  live.status = current
    ? `preview of your labels${live.delay !== null ? `, ${live.delay.toFixed(1)} s after the stroke` : ''}`
    : 'updating the preview…';
  live.version++;
}

/** A deep model's prediction of the labels as they are now is on screen: previews wait for the next stroke. */
export function holdPreviewForPrediction(): void {
  predictionMadeAt = ui.project?.labels?.revision ?? -1;
  clearPreview();
}

/** Something newer than the preview is on screen (a prediction, another project), or the user switched it off. */
export function clearPreview(): void {
  previewPlanes.planes = [];
  live.status = live.enabled ? '' : 'off';
  live.version++;
}

export function setPreviewEnabled(on: boolean): void {
  live.enabled = on;
  live.version++; // the views draw the planes kept, or stop drawing them
  if (on) requestPreview();
}
