// The journal of a learning-curve experiment (OUT.runs.jsonl): one JSON line per finished run,
// appended and flushed to disk the moment the run ends. A grid of many hours then survives a kill,
// a Ctrl-C or the end of a working session with at most the running cell lost, and a rerun reads
// the journal to skip what is done. Each line carries the settings it was made with, so runs made
// under other settings are never mixed into one table.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, truncateSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { LumenError } from '../errors.ts';
import { cellKey, type CurveCell } from './learning-curve.ts';

/** The settings that change a run's result (the config's, as it concerns one strategy). */
export type RunSettings = Record<string, string | number | boolean | null>;

export interface JournalEntry extends CurveCell {
  /** the training units (ids), so a line says what it was trained on without the config */
  train: string[];
  settings: RunSettings;
  /** a short hash of `settings`, for people reading the file */
  fingerprint: string;
  finishedAt: string;
}

export interface Journal {
  path: string;
  entries: JournalEntry[];
  /** bytes of the complete lines: an unfinished last line (a kill mid-write) lies beyond */
  validBytes: number;
  /** the last line is complete but lacks its newline (hand-edited): one is added before appending */
  missingNewline: boolean;
}

export const journalPathFor = (out: string) => `${out}.runs.jsonl`;

/** The run without its journal bookkeeping (units, settings, time stamp): what the results file lists. */
export function toCurveCell({ train: _train, settings: _settings, fingerprint: _fingerprint, finishedAt: _finishedAt, ...cell }: JournalEntry): CurveCell {
  return cell;
}

/** sha256 of the settings with their keys sorted, cut to 12 hex digits. */
export function fingerprintOf(settings: RunSettings): string {
  const canonical = JSON.stringify(Object.fromEntries(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b))));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

function isEntry(x: unknown): x is JournalEntry {
  const e = x as Record<string, unknown>;
  const finite = (k: string) => typeof e[k] === 'number' && Number.isFinite(e[k]);
  return typeof x === 'object' && x !== null && Number.isInteger(e.split) && Number.isInteger(e.n) && typeof e.strategy === 'string'
    && finite('dice') && finite('iou') && finite('seconds') && typeof e.settings === 'object' && e.settings !== null && typeof e.fingerprint === 'string';
}

/**
 * The runs recorded at `path` (none when it does not exist). An unfinished last line is what a
 * kill during a write leaves: it is ignored, `warn` says so, and the next append overwrites it. A
 * bad line elsewhere is damage nobody can guess the intent of, so it is refused.
 */
export function readJournal(path: string, warn: (message: string) => void = () => {}): Journal {
  if (!existsSync(path)) return { path, entries: [], validBytes: 0, missingNewline: false };
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const last = lines.pop()!; // '' when the file ends with a newline
  const entries: JournalEntry[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let parsed: unknown;
    try { parsed = JSON.parse(line); } catch { parsed = undefined; }
    if (!isEntry(parsed)) {
      throw new LumenError('damaged', `${path} line ${i + 1} is not a finished run (${line.slice(0, 60)}…): remove that line, or start over with --restart`);
    }
    entries.push(parsed);
  });
  let validBytes = Buffer.byteLength(text, 'utf8') - Buffer.byteLength(last, 'utf8');
  let missingNewline = false;
  if (last.trim()) {
    let parsed: unknown;
    try { parsed = JSON.parse(last); } catch { parsed = undefined; }
    if (isEntry(parsed)) {
      entries.push(parsed);
      validBytes += Buffer.byteLength(last, 'utf8');
      missingNewline = true;
    } else {
      warn(`${path}: its last line is unfinished (the run being written when the experiment was stopped); it is ignored and that run is done again`);
    }
  }
  return { path, entries, validBytes, missingNewline };
}

/**
 * The first entry per cell (a cell run twice, by two sessions at once, keeps the first result);
 * keys of cells outside `keep` are left out.
 */
export function finishedCells(journal: Journal, keep: (key: string) => boolean): Map<string, JournalEntry> {
  const cells = new Map<string, JournalEntry>();
  for (const e of journal.entries) {
    const key = cellKey(e);
    if (keep(key) && !cells.has(key)) cells.set(key, e);
  }
  return cells;
}

/**
 * Refuses a journal whose runs were made with other settings than the config's now (another
 * effort, seed, budget, cap, pretrained model…): one table must not mix them. Says which settings
 * differ and how to go on.
 */
export function checkSettings(entries: Iterable<JournalEntry>, expected: (strategy: string) => RunSettings, journalPath: string): void {
  const changed = new Map<string, string>();
  let runs = 0;
  for (const e of entries) {
    const now = expected(e.strategy);
    if (fingerprintOf(now) === fingerprintOf(e.settings)) continue;
    runs++;
    for (const k of new Set([...Object.keys(now), ...Object.keys(e.settings)])) {
      const was = e.settings[k] ?? null, is = now[k] ?? null;
      if (was !== is && !changed.has(k)) changed.set(k, `${k} ${JSON.stringify(was)} → ${JSON.stringify(is)}`);
    }
  }
  if (runs === 0) return;
  throw new LumenError('bad-input', `${journalPath} holds ${runs} run${runs > 1 ? 's' : ''} made with other settings (${[...changed.values()].join(', ')}): `
    + 'give the config a new "out" to keep both, or rerun with --restart to set the old runs aside and start over');
}

/**
 * A run another experiment of the same folder already made: the same cell (split, N, strategy),
 * the same result-changing settings (fingerprint) and the same training units. Two pages often
 * share a column (the 3D network from scratch is both "real only" and "3D only"), and runs are
 * deterministic per settings, split and seed, so that column need not cost its hours twice.
 * A run its time cap ended is not taken: its result hangs on how fast the machine was then.
 * Sibling journals are `*.runs.jsonl` beside `journalPath` (set-aside `.before-…` files are not);
 * one that cannot be read is passed over with a warning, since it is not this experiment's record.
 */
export function runFromSiblings(journalPath: string, warn: (message: string) => void = () => {}):
  (wanted: { split: number; n: number; strategy: string; train: string[] }, settings: RunSettings) => JournalEntry | undefined {
  const folder = dirname(journalPath);
  const names = existsSync(folder)
    ? readdirSync(folder).filter((f) => f.endsWith('.runs.jsonl') && f !== basename(journalPath)).sort()
    : [];
  const siblings: { name: string; entries: JournalEntry[] }[] = [];
  for (const name of names) {
    try {
      siblings.push({ name, entries: readJournal(join(folder, name)).entries });
    } catch (e) {
      warn(`${name} cannot be read for runs to reuse (${(e as Error).message}); passed over`);
    }
  }
  return (wanted, settings) => {
    const fingerprint = fingerprintOf(settings);
    const key = cellKey(wanted);
    const units = JSON.stringify(wanted.train);
    for (const { name, entries } of siblings) {
      const hit = entries.find((e) => !e.capped && cellKey(e) === key && fingerprintOf(e.settings) === fingerprint && JSON.stringify(e.train) === units);
      if (hit) return { ...hit, copiedFrom: hit.copiedFrom ?? name };
    }
    return undefined;
  };
}

/** Makes the file ready for appending: drops an unfinished last line, ends a complete one. */
export function prepareForAppend(journal: Journal): void {
  if (!existsSync(journal.path)) { mkdirSync(dirname(journal.path), { recursive: true }); return; }
  truncateSync(journal.path, journal.validBytes);
  if (journal.missingNewline) appendLine(journal.path, '');
  journal.missingNewline = false;
}

/** One run, written and flushed to disk before the next run starts. */
export function appendEntry(journal: Journal, entry: JournalEntry): void {
  const line = JSON.stringify(entry);
  appendLine(journal.path, line);
  journal.entries.push(entry);
  journal.validBytes += Buffer.byteLength(`${line}\n`, 'utf8');
}

function appendLine(path: string, line: string): void {
  const fd = openSync(path, 'a');
  try {
    // one write of the whole line: a kill can only leave it unfinished, never interleaved
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * `--restart`: the old journal is renamed, not deleted (hours of runs are not thrown away on a
 * flag), to OUT.runs.before-YYYY-MM-DDTHH-MM-SS.jsonl (any file: X.ext → X.before-….ext); returns
 * the new name, or undefined when there was none.
 */
export function setAside(path: string, now = new Date()): string | undefined {
  if (!existsSync(path)) return undefined;
  const stamp = now.toISOString().slice(0, 19).replace(/:/g, '-');
  const ext = /\.[a-z]+$/i.exec(path)?.[0] ?? '';
  const stem = path.slice(0, path.length - ext.length);
  let target = `${stem}.before-${stamp}${ext}`;
  for (let k = 2; existsSync(target); k++) target = `${stem}.before-${stamp}-${k}${ext}`;
  renameSync(path, target);
  return target;
}
