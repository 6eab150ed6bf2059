import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { PRETRAIN_RECIPES, synthLabeledVolume } from '../../src-shared/train/pretrain.ts';
import { importOnnxModel } from '../../src-shared/nn/model-file.ts';
import { PROJECT_ROOT } from '../shared-data.ts';

describe('synthetic pre-training', () => {
  it('turns generated samples into labeled volumes: z-scored channels, labels 1/2, FOV outside unlabeled', () => {
    const v = synthLabeledVolume('fundus', [1, 96, 96], 3);
    expect(v.channels).toBe(3);
    const n = 96 * 96;
    const mean = v.image.subarray(0, n).reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    const counts = [0, 0, 0];
    v.labels.forEach((l) => counts[l]!++);
    expect(counts[0]).toBeGreaterThan(0); // outside the round field of view
    expect(counts[1]).toBeGreaterThan(counts[2]!);
    expect(counts[2]).toBeGreaterThan(0);
    expect(synthLabeledVolume('fundus', [1, 96, 96], 3).labels).toEqual(v.labels);
  });

  it('lumen pretrain writes a model that reads back with its recipe and provenance', { timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-pretrain-'));
    try {
      const r = spawnSync('node', ['bin/lumen.mjs', 'pretrain', 'vessels-2d-2p', '--steps', '12', '--samples', '3', '--out-dir', dir, '--device', 'cpu'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const line = JSON.parse(r.stdout.trim());
      expect(line.model).toBe('vessels-2d-2p');
      const model = importOnnxModel(readFileSync(join(dir, 'vessels-2d-2p.onnx')));
      expect(model.config).toEqual(PRETRAIN_RECIPES.find((x) => x.name === 'vessels-2d-2p')!.model);
      expect(model.provenance.strategy).toBe('synthetic-pretrain');
      expect(model.provenance.kind).toBe('vessels-2p');
      expect(model.provenance.samples).toBe(3);
      const bad = spawnSync('node', ['bin/lumen.mjs', 'pretrain', 'unicorns'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/no pretraining recipe 'unicorns'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
