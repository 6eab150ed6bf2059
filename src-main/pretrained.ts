// Pretrained models (resources/models/NAME.onnx) and Deep Weight Priors (resources/models/NAME.dwp),
// by name or by path.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { importOnnxModel, type ModelFile } from '../src-shared/nn/model-file.ts';
import { decodeWeightPrior, type WeightPrior } from '../src-shared/train/dwp/prior.ts';
import { LumenError } from '../src-shared/errors.ts';

export const MODELS_DIR = resolve(fileURLToPath(import.meta.url), '../../resources/models');

function listWithExtension(ext: string): string[] {
  return existsSync(MODELS_DIR) ? readdirSync(MODELS_DIR).filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length)).sort() : [];
}

export const listPretrained = (): string[] => listWithExtension('.onnx');
export const listWeightPriors = (): string[] => listWithExtension('.dwp');

function resolveBundled(nameOrPath: string, ext: string, what: string, known: string[]): string {
  const byName = resolve(MODELS_DIR, `${nameOrPath}${ext}`);
  const path = existsSync(byName) ? byName : nameOrPath;
  if (!existsSync(path)) throw new LumenError('bad-input', `no ${what} '${nameOrPath}': give a ${ext} file or one of: ${known.join(', ') || '(none installed)'}`);
  return path;
}

/** The file of a bundled model by name, or the given path. */
export function pretrainedPath(nameOrPath: string): string {
  return resolveBundled(nameOrPath, '.onnx', 'model', listPretrained());
}

export function loadPretrained(nameOrPath: string): ModelFile {
  return importOnnxModel(readFileSync(pretrainedPath(nameOrPath)));
}

export function loadWeightPrior(nameOrPath: string): WeightPrior {
  return decodeWeightPrior(readFileSync(resolveBundled(nameOrPath, '.dwp', 'weight prior', listWeightPriors())));
}

/** Every bundled segmentation model by name: the fine-tuning candidates of `auto` (instance models are not). */
export function loadBundled(): { name: string; model: ModelFile }[] {
  return listPretrained().map((name) => ({ name, model: loadPretrained(name) })).filter(({ model }) => !model.config.starRays);
}

/** The bundled instance model for 2D images or 3D stacks (nuclei-2d / nuclei-3d), when installed. */
export function bundledInstanceModel(dims: 2 | 3): { name: string; model: ModelFile } | undefined {
  const name = `nuclei-${dims}d`;
  return listPretrained().includes(name) ? { name, model: loadPretrained(name) } : undefined;
}
