// Pretrained models by name (resources/models/NAME.onnx) or by path.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { importOnnxModel, type ModelFile } from '../src-shared/nn/model-file.ts';
import { LumenError } from '../src-shared/errors.ts';

export const MODELS_DIR = resolve(fileURLToPath(import.meta.url), '../../resources/models');

export function listPretrained(): string[] {
  return existsSync(MODELS_DIR) ? readdirSync(MODELS_DIR).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -5)).sort() : [];
}

export function loadPretrained(nameOrPath: string): ModelFile {
  const byName = resolve(MODELS_DIR, `${nameOrPath}.onnx`);
  const path = existsSync(byName) ? byName : nameOrPath;
  if (!existsSync(path)) {
    throw new LumenError('bad-input', `no model '${nameOrPath}': give a .onnx file or one of: ${listPretrained().join(', ') || '(none installed)'}`);
  }
  return importOnnxModel(readFileSync(path));
}
