// What people concluded from a results page lives beside it in OUT.findings.md, written by hand
// after reading the tables (why a method fell short, what was checked). The generated page quotes
// it, so rebuilding the page from the journal never loses the reading of it.
import { readFileSync } from 'node:fs';

/** The page's "What the runs show" section from OUT.findings.md, or nothing when there is none. */
export function findingsSection(out: string): string[] {
  let text: string;
  try { text = readFileSync(`${out}.findings.md`, 'utf8').trim(); } catch { return []; }
  return text ? ['## What the runs show', '', text, ''] : [];
}
