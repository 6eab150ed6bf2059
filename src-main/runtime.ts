// ONNX Runtime on the host: registers onnxruntime-node's backend and picks the execution provider.
// `auto` tries the best provider this build and platform offer and falls back to CPU, logging why,
// so the choice is always visible.
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { constants as osConstants, setPriority } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SessionFactory } from '../src-shared/nn/session.ts';
import { LumenError } from '../src-shared/errors.ts';

const require = createRequire(import.meta.url);

export type DeviceChoice = 'auto' | 'cpu' | 'cuda' | 'dml' | 'webgpu' | 'coreml';
export const DEVICE_CHOICES: DeviceChoice[] = ['auto', 'cpu', 'cuda', 'dml', 'webgpu', 'coreml'];

export interface RuntimeOptions {
  device?: DeviceChoice;
  /** CPU threads for one session (intra-op); default: all cores */
  threads?: number;
  /**
   * Run in the background of an app whose UI shares these cores: ORT's idle threads do not
   * spin-wait for work (spinning took ~12% more CPU time per training step here for no measurable
   * speed), and the calling thread drops to below-normal priority before any session exists, so
   * ORT's pool threads, created from it, inherit that. The CLI keeps ORT's defaults.
   */
  background?: boolean;
  log?: (line: string) => void;
}

export interface DeviceReport { requested: DeviceChoice; used: string; fallbacks: { provider: string; reason: string }[] }

/** Providers to try for `auto`, best first, limited to what this platform's build can offer. */
function candidates(): string[] {
  // 'bundled: false' providers (CUDA, TensorRT) work only when their files were installed beside
  // the binding; probing them otherwise just prints native errors.
  const bundled = new Set(ort.listSupportedBackends().filter((b) => b.bundled || providerFilesPresent(b.name)).map((b) => b.name));
  const order: Record<string, string[]> = {
    linux: ['cuda', 'webgpu'], win32: ['cuda', 'dml', 'webgpu'], darwin: ['coreml', 'webgpu'],
  };
  return (order[process.platform] ?? []).filter((p) => bundled.has(p) || p === 'dml' || p === 'coreml');
}

/**
 * Why a provider is not worth trying here, before trying it. WebGPU on Linux runs on Vulkan:
 * without the Vulkan loader Dawn prints a native warning with a stack-like trace on stderr and
 * then fails, which a user should never see.
 */
function skipReason(provider: string): string | undefined {
  if (provider === 'webgpu' && process.platform === 'linux' && !vulkanLoaderPresent()) return 'no Vulkan loader (libvulkan.so.1) on this machine';
  return undefined;
}

/** Whether libvulkan.so.1 is where the dynamic loader looks (LD_LIBRARY_PATH, the usual lib folders). */
export function vulkanLoaderPresent(): boolean {
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`, `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`, '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

export function providerFilesPresent(name: string): boolean {
  const dir = dirname(require.resolve('onnxruntime-node/package.json'));
  const lib = join(dir, 'bin', 'napi-v6', process.platform, process.arch, `libonnxruntime_providers_${name}.so`);
  return existsSync(lib);
}

function sessionOptions(provider: string, threads: number | undefined, spinning: boolean): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads ?? 0,
    interOpNumThreads: 1,
    ...(spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
  };
}

/** Below-normal priority for this thread (Linux: per thread, inherited by threads it starts). */
function yieldToForeground(log: (line: string) => void): void {
  try { setPriority(0, osConstants.priority.PRIORITY_BELOW_NORMAL); } catch (e) { log(`could not lower the training priority: ${(e as Error).message}`); }
}

/**
 * A session factory bound to one provider. With `auto`, the first model it sees decides: each
 * candidate is tried in turn and the first that creates a session is kept for all later models.
 */
export function createRuntime(opts: RuntimeOptions = {}): { factory: SessionFactory; report: () => DeviceReport } {
  const requested = opts.device ?? 'auto';
  const log = opts.log ?? (() => {});
  if (opts.background) yieldToForeground(log);
  const create = (model: Uint8Array, provider: string) => ort.InferenceSession.create(model, sessionOptions(provider, opts.threads, !opts.background));
  const report: DeviceReport = { requested, used: requested === 'auto' ? 'undecided' : requested, fallbacks: [] };
  let chosen: string | undefined = requested === 'auto' ? undefined : requested;

  const factory: SessionFactory = async (model) => {
    if (chosen) {
      try {
        return await create(model, chosen);
      } catch (e) {
        if (requested !== 'auto' && chosen !== 'cpu') {
          throw new LumenError('device', `the ${chosen} execution provider could not run this model: ${(e as Error).message.split('\n')[0]}`);
        }
        if (chosen === 'cpu') throw e;
        report.fallbacks.push({ provider: chosen, reason: (e as Error).message.split('\n')[0]! });
        log(`device: ${chosen} failed (${report.fallbacks.at(-1)!.reason}); using cpu`);
        chosen = 'cpu';
        report.used = 'cpu';
        return create(model, 'cpu');
      }
    }
    for (const provider of [...candidates(), 'cpu']) {
      const skip = skipReason(provider);
      if (skip) {
        report.fallbacks.push({ provider, reason: skip });
        log(`device: ${provider} unavailable (${skip})`);
        continue;
      }
      try {
        const session = await create(model, provider);
        chosen = provider;
        report.used = provider;
        log(`device: using ${provider}`);
        return session;
      } catch (e) {
        if (provider === 'cpu') throw e;
        const reason = (e as Error).message.split('\n')[0]!;
        report.fallbacks.push({ provider, reason });
        log(`device: ${provider} unavailable (${reason})`);
      }
    }
    throw new Error('unreachable');
  };
  return { factory, report: () => ({ ...report, fallbacks: [...report.fallbacks] }) };
}

export { ort };
