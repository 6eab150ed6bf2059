// `npm start`: the desktop app on the bundled sample. Where the Electron binary is absent (it
// cannot be downloaded on every machine), say so in one line and serve the same UI on 127.0.0.1.
import { existsSync, readFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

/** The Electron executable if installed; never triggers electron's own download. */
export function electronBinary(): string | null {
  const dir = join(ROOT, 'node_modules/electron');
  const pathFile = join(dir, 'path.txt');
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!existsSync(pathFile)) return null;
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

const bin = electronBinary();
if (bin && !process.argv.includes('--browser')) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src-main/electron/build.ts')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  const child = spawn(bin, [ROOT, '--sample'], { cwd: ROOT, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log('Electron is not installed here (no binary in node_modules/electron); serving the same app in your browser instead.');
  const { main } = await import('../server.ts');
  await main([...process.argv.slice(2), '--sample']);
}
