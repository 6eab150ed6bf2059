// The two things measured on every case, each as a child process exactly as a user runs it:
// `lumen segment` for one strategy, and the ilastik-style anchor (../shared/anchors/pixel_forest.py).
// Progress goes through to our stderr; the result is the JSON line each prints, or the error it gave.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../../test/shared-data.ts';
import type { CaseFiles } from './types.ts';

export interface ChildResult { ok: boolean; seconds: number; json?: Record<string, unknown>; error?: string }

/** Runs a command, echoing its stderr, and returns its last stdout JSON line or its failure line. */
export function runChild(command: string, args: string[], timeoutSeconds: number): Promise<ChildResult> {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { err = (err + b.toString()).slice(-20000); process.stderr.write(b); });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutSeconds * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = +((performance.now() - t0) / 1000).toFixed(1);
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0) {
        try { return done({ ok: true, seconds, json: JSON.parse(last) as Record<string, unknown> }); }
        catch { return done({ ok: false, seconds, error: `exit 0 but no JSON line on stdout: ${last.slice(0, 300)}` }); }
      }
      const why = signal ? `killed by ${signal}${signal === 'SIGTERM' ? ` after the ${timeoutSeconds} s limit` : ''}` : `exit ${code}`;
      done({ ok: false, seconds, error: `${why}: ${failureLine(err)}` });
    });
  });
}

/** The line that says why: Lumen's one-line "lumen segment: …", else the last non-progress line of stderr. */
function failureLine(stderr: string): string {
  const lines = stderr.split(/[\r\n]+/).map((l) => l.trim()).filter(Boolean).reverse();
  return (lines.find((l) => l.startsWith('lumen ')) ?? lines.find((l) => /error|Error|Traceback/.test(l)) ?? lines[0] ?? '(no message)').slice(0, 600);
}

export function runSegment(files: CaseFiles, out: string, strategy: string, extra: string[], timeoutSeconds: number): Promise<ChildResult> {
  return runChild('node', [resolve(PROJECT_ROOT, 'bin/lumen.mjs'), 'segment', '--image', files.image, '--labels', files.sparse, '--out', out,
    '--strategy', strategy, '--out-scale', '255', ...extra], timeoutSeconds);
}

export const ANCHOR_SCRIPT = resolve(PROJECT_ROOT, '../shared/anchors/pixel_forest.py');

export function runAnchor(files: CaseFiles, timeoutSeconds: number): Promise<ChildResult> {
  return runChild('/usr/bin/python3', [ANCHOR_SCRIPT, files.image, files.sparse, files.truth, String(files.zAnisotropy)], timeoutSeconds);
}
