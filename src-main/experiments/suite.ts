// A results page made of several experiments, for a claim tested on more than one dataset (synthetic
// only / real only / both on each VesselNN stack and on DRIVE): a config with "parts" instead of a
// dataset, { "name", "notes", "parts": ["a.json", …], "columns": ["strategy", …], "out" }. Running
// it runs each part in turn (each resumable, with its own journal and page) and writes one page
// with every part's Dice table, narrowed to `columns` where a part holds more strategies.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { LumenError } from '../../src-shared/errors.ts';
import { toMarkdown, type CurveSummaryRow } from '../../src-shared/eval/learning-curve.ts';
import { curvePlan, readExperimentConfig, scoredOn } from './experiment-config.ts';
import { findingsSection } from './findings.ts';

export interface SuiteConfig {
  name: string;
  notes?: string;
  /** the experiment configs, relative to this file */
  parts: string[];
  /** the strategies shown (all of each part's where absent) */
  columns?: string[];
  out: string;
}

/** The config at `path` if it is a suite (it lists "parts"), else undefined. */
export function readSuite(path: string): SuiteConfig | undefined {
  let json: Record<string, unknown>;
  try { json = JSON.parse(readFileSync(path, 'utf8')); } catch { return undefined; } // readExperimentConfig says why
  if (!('parts' in json)) return undefined;
  const bad = (why: string) => new LumenError('bad-input', `${path}: ${why}`);
  const s = json as unknown as SuiteConfig;
  if (typeof s.name !== 'string' || !s.name) throw bad('a suite needs a "name"');
  if (typeof s.out !== 'string' || !s.out) throw bad('"out" (where the page goes, without extension) is missing');
  if (!Array.isArray(s.parts) || !s.parts.length || !s.parts.every((p) => typeof p === 'string' && p)) throw bad('"parts" must list experiment configs');
  if (s.columns !== undefined && !(Array.isArray(s.columns) && s.columns.every((c) => typeof c === 'string'))) throw bad('"columns" must list strategy names');
  const base = dirname(resolve(path));
  for (const part of s.parts) {
    const partPath = resolve(base, part);
    if (readSuite(partPath)) throw bad(`${part} is a suite itself; parts are experiment configs`);
    const cfg = readExperimentConfig(partPath); // a broken part fails now, not after the parts before it ran
    const missing = (s.columns ?? []).filter((c) => !cfg.strategies.includes(c));
    if (missing.length === s.columns?.length) throw bad(`${part} runs none of the columns ${s.columns!.join(', ')}`);
  }
  return s;
}

interface PartResult { summary: CurveSummaryRow[]; progress: { planned: number; finished: number } }

/** Writes OUT.md from each part's OUT.json (a part with no runs yet says so). */
export function writeSuitePage(suite: SuiteConfig, suitePath: string): string {
  const base = dirname(resolve(suitePath));
  const out = resolve(base, suite.out);
  const sections = suite.parts.map((part) => {
    const partPath = resolve(base, part);
    const cfg = readExperimentConfig(partPath);
    const partOut = resolve(dirname(partPath), cfg.out);
    const link = relative(dirname(out), `${partOut}.md`);
    let result: PartResult | undefined;
    try { result = JSON.parse(readFileSync(`${partOut}.json`, 'utf8')); } catch { result = undefined; }
    const head = [`## ${cfg.name}`, ''];
    if (!result?.summary?.length) return [...head, `No run has finished yet (config \`${part}\`).`, ''].join('\n');
    const rows = result.summary.filter((r) => !suite.columns || suite.columns.includes(r.strategy));
    const splits = cfg.splits ?? 3;
    return [...head, `${result.progress.finished} of ${result.progress.planned} planned runs finished; [the whole page](${link}) has every strategy, IoU, times and the set-up.`, '',
      toMarkdown(rows, `Dice (F1) on ${scoredOn(cfg, curvePlan(cfg, 0))}, mean (sd) over ${splits} splits`, 'dice', splits)].join('\n');
  });
  const command = `node bin/lumen.mjs experiment ${relative(process.cwd(), resolve(suitePath))}`;
  const page = [`# ${suite.name}`, '', ...(suite.notes ? [suite.notes, ''] : []), ...sections, ...findingsSection(out),
    `Regenerate: \`${command}\` runs each part's missing runs in turn (each part keeps its own journal, so a rerun continues where it stopped); `
      + `\`--report-only\` rebuilds the pages from the journals.`, ''].join('\n');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.md`, page);
  return `${out}.md`;
}
