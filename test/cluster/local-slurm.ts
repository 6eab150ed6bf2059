// A real one-node SLURM cluster for the tests, everything in a fresh temp folder: its own munged
// (own key and socket), slurmctld and slurmd on free ports, no cgroups, no accounting.
// startLocalSlurm() resolves once sinfo shows the node idle; stop() kills the daemons and removes
// the folder. Needs Debian's slurm-wlm and munge and root (slurmd starts jobs as their user).

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, hostname, cpus } from 'node:os';
import { join } from 'node:path';

export interface LocalSlurm {
  /** environment for client commands (sbatch, squeue, scontrol, scancel, sinfo): SLURM_CONF. */
  env: NodeJS.ProcessEnv;
  dir: string;
  /** the node's (and the host's short) name. */
  node: string;
  /** the tail of the daemons' logs, for a failing test's message. */
  logs(): string;
  stop(): Promise<void>;
}

const DAEMONS = ['munged', 'slurmctld', 'slurmd'];
const CLIENTS = ['sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'];

function findBinary(name: string): string | null {
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin'])) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  return null;
}

/** Why a local SLURM cannot start here (missing binaries, not root), or null when it can. */
export function localSlurmUnavailable(): string | null {
  const missing = [...DAEMONS, ...CLIENTS, 'mungekey'].filter((b) => findBinary(b) === null);
  if (missing.length) return `SLURM test cluster unavailable: ${missing.join(', ')} not installed (apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'SLURM test cluster unavailable: slurmd must run as root';
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 10_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function memoryMiB(): number {
  const m = /MemTotal:\s+(\d+)\s+kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  // a little under what slurmd measures, so the node is never drained for "Low RealMemory"
  return m ? Math.max(64, Math.floor((Number(m[1]) / 1024) * 0.9)) : 1024;
}

export async function startLocalSlurm(options: { startTimeoutMs?: number } = {}): Promise<LocalSlurm> {
  const why = localSlurmUnavailable();
  if (why) throw new Error(why);
  const timeoutMs = options.startTimeoutMs ?? 45_000;
  const dir = mkdtempSync(join(tmpdir(), 'lumen-slurm-'));
  chmodSync(dir, 0o755); // slurmd and munged check the paths they use; root owns them all
  for (const sub of ['state', 'spool']) mkdirSync(join(dir, sub), { mode: 0o700 });
  mkdirSync(join(dir, 'munge'), { mode: 0o711 }); // munged wants its socket's folder searchable by all
  const node = hostname().split('.')[0];
  const p = {
    conf: join(dir, 'slurm.conf'),
    key: join(dir, 'munge', 'munge.key'),
    socket: join(dir, 'munge', 'munge.socket'),
    mungePid: join(dir, 'munge', 'munged.pid'),
    mungeLog: join(dir, 'munge', 'munged.log'),
    mungeSeed: join(dir, 'munge', 'munged.seed'),
    ctldLog: join(dir, 'slurmctld.log'),
    dLog: join(dir, 'slurmd.log'),
  };
  const children: ChildProcess[] = [];
  const logs = () =>
    [`--- munged.log\n${tail(p.mungeLog)}`, `--- slurmctld.log\n${tail(p.ctldLog)}`, `--- slurmd.log\n${tail(p.dLog)}`].join('\n');
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  // a test runner that dies without afterAll must not leave daemons behind
  process.once('exit', killAll);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killAll);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    const deadline = Date.now() + 5000;
    while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) await sleep(100);
    killAll();
    // munged forks into the background: stop it through its pid file
    let mungePid = 0;
    try {
      mungePid = Number(readFileSync(p.mungePid, 'utf8').trim());
      if (mungePid > 0) process.kill(mungePid, 'SIGTERM');
    } catch { /* already gone */ }
    const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    const mungeDeadline = Date.now() + 3000;
    while (mungePid > 0 && alive(mungePid) && Date.now() < mungeDeadline) await sleep(50);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };

  try {
    const base = { ...process.env };
    delete base.SLURM_JOB_ID; // a test run inside a SLURM job must not talk to the outer cluster
    const key = await run('mungekey', ['--create', '--keyfile', p.key], base);
    if (key.code !== 0) writeFileSync(p.key, Buffer.from(Array.from({ length: 128 }, () => Math.floor(Math.random() * 256))));
    chmodSync(p.key, 0o600);
    const munge = await run('munged', [
      '--force', `--socket=${p.socket}`, `--key-file=${p.key}`, `--pid-file=${p.mungePid}`,
      `--log-file=${p.mungeLog}`, `--seed-file=${p.mungeSeed}`,
    ], base);
    if (munge.code !== 0) throw new Error(`munged did not start: ${munge.out.trim()}`);

    const [ctldPort, dPort] = [await freePort(), await freePort()];
    const nproc = Math.max(1, cpus().length);
    writeFileSync(p.conf, [
      'ClusterName=lumentest',
      `SlurmctldHost=${node}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${p.socket}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${p.ctldLog}`,
      `SlurmdLogFile=${p.dLog}`,
      'SlurmctldDebug=info',
      'SlurmdDebug=info',
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'SwitchType=switch/none',
      'MpiDefault=none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'SchedulerType=sched/backfill',
      'SchedulerParameters=sched_interval=2,bf_interval=1',
      'SlurmdParameters=config_overrides',
      'ReturnToService=2',
      'MinJobAge=60',
      'KillWait=2',
      'InactiveLimit=0',
      'SlurmdTimeout=60',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${nproc} RealMemory=${memoryMiB()} State=UNKNOWN`,
      `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'));

    const env: NodeJS.ProcessEnv = { ...base, SLURM_CONF: p.conf };
    const daemon = (cmd: string, args: string[]) => {
      const c = spawn(cmd, args, { env, stdio: 'ignore' });
      c.on('error', () => { /* reported through the wait below and the logs */ });
      children.push(c);
      return c;
    };
    const ctld = daemon('slurmctld', ['-D', '-c', '-i', '-f', p.conf]);
    const slurmd = daemon('slurmd', ['-D', '-f', p.conf]);

    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      for (const [name, c] of [['slurmctld', ctld], ['slurmd', slurmd]] as const) {
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`${name} exited (${c.exitCode ?? c.signalCode}) while starting`);
      }
      const s = await run('sinfo', ['-h', '-N', '-o', '%t'], env, 5000);
      last = s.out.trim();
      if (s.code === 0 && /^idle\*?$/.test(last) && !last.endsWith('*')) break;
      if (Date.now() > deadline) throw new Error(`the node did not become idle within ${timeoutMs / 1000}s (sinfo: ${last || 'nothing'})`);
      await sleep(300);
    }
    return { env, dir, node, logs, stop };
  } catch (e) {
    const message = `local SLURM did not start: ${(e as Error).message}\n${logs()}`;
    await stop();
    throw new Error(message);
  }
}
