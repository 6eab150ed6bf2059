// What the device picker shows: the choices and what this machine offers.
import { availableParallelism } from 'node:os';
import { ort, type DeviceChoice as RuntimeDevice } from '../runtime.ts';
import type { DeviceChoice, DeviceInfo } from '../../src-shared/api.ts';

const GPU_PROVIDER: Record<string, RuntimeDevice> = { linux: 'cuda', win32: 'dml', darwin: 'coreml' };

export function detectDevices(): DeviceInfo {
  let gpuNames: string[] = [];
  try {
    gpuNames = ort.listSupportedBackends().filter((b) => b.bundled).map((b) => b.name).filter((n) => n !== 'cpu' && n === GPU_PROVIDER[process.platform]);
  } catch { /* older bindings */ }
  const cpu = `CPU (${availableParallelism()} cores)`;
  return { choices: ['auto', 'gpu', 'cpu'], gpu: gpuNames.length > 0, detected: gpuNames.length ? `${gpuNames.join(', ').toUpperCase()} GPU, ${cpu}` : `${cpu}; no GPU provider found` };
}

export function runtimeDevice(choice: DeviceChoice): RuntimeDevice {
  if (choice === 'gpu') return GPU_PROVIDER[process.platform] ?? 'cuda';
  return choice;
}
