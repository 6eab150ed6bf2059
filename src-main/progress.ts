// A progress bar with ETA on stderr (results stay on stdout, clean for pipes). When stderr is not
// a terminal it prints a plain line every ~10%, so logs stay readable.
export class ProgressBar {
  private readonly start = performance.now();
  private lastPrinted = -1;
  constructor(private readonly label: string, private readonly total: number, private readonly stream = process.stderr) {}

  update(done: number, detail = ''): void {
    const fraction = Math.min(1, done / this.total);
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const text = `${this.label} ${Math.round(fraction * 100)}% (${done}/${this.total}) ${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)}${detail ? ` · ${detail}` : ''}`;
    if (this.stream.isTTY) {
      const width = 24, filled = Math.round(fraction * width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      if (done >= this.total) this.stream.write('\n');
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile !== this.lastPrinted) { this.lastPrinted = decile; this.stream.write(`${text}\n`); }
    }
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  const total = Math.round(s);
  if (total < 60) return `${total}s`;
  return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`;
}
