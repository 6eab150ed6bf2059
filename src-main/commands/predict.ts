// `lumen predict --model MODEL.onnx --image IMG --out PRED`: segments a volume of any size with a
// Lumen model. Streams from any readable format to TIFF/BigTIFF or NIfTI (by --out's extension),
// in a worker thread with a progress bar; Ctrl-C cancels and leaves no output file.
import { LumenError } from '../../src-shared/errors.ts';
import { checkVolumeOutput } from '../../src-shared/io/index.ts';
import { DEVICE_CHOICES, type DeviceChoice } from '../runtime.ts';
import { flag, integerFlag, numberFlag, parseArgs, requiredFlag } from '../args.ts';
import { ProgressBar } from '../progress.ts';
import { startInference } from '../inference-service.ts';
import type { Connectivity } from '../../src-shared/infer/postprocess/components.ts';
import { pretrainedPath } from '../pretrained.ts';

export const summary = 'segment a volume of any size with a model: lumen predict --model M.onnx --image IMG --out PRED [--prob] [--patch z,y,x] [--overlap 0.25] [--flips] [--min-size N] …';

export const usage = `usage: lumen predict --model MODEL.onnx|NAME --image IMG --out PRED.tif|.nii[.gz]
  [--prob]                 write float32 probabilities instead of labels (a multi-class model:
                           one channel per class, background first)
  [--patch z,y,x]          patch size (default 64,64,64; rounded to the network's multiple)
  [--overlap 0.25]         fraction of a patch shared with each neighbour
  [--blend gaussian|constant] [--batch N] [--flips]
  [--device auto|cpu|cuda|dml|webgpu|coreml] [--threads N]
  [--threshold 0.5] [--out-scale 1|255] [--fill-holes] [--min-size N] [--keep-largest K]
  [--instances] [--connectivity 6|18|26] [--temp-dir DIR]
  A binary model writes 0 / --out-scale; a multi-class model writes each voxel's class value as
  painted (1 = background, 2… the classes); --threshold, --out-scale and the object filters are
  for binary models.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['prob', 'flips', 'fill-holes', 'instances']);
  const modelPath = pretrainedPath(requiredFlag(args, 'model')); // a bundled model's name works too
  const image = requiredFlag(args, 'image');
  const out = requiredFlag(args, 'out');
  checkVolumeOutput(out);
  const patchText = flag(args, 'patch');
  const patch = patchText?.split(',').map((s) => Number(s));
  if (patch && (patch.length !== 3 || patch.some((p) => !Number.isInteger(p) || p < 1))) throw new LumenError('bad-input', `--patch wants three positive integers z,y,x, not ${patchText}`);
  const device = (flag(args, 'device') ?? 'auto') as DeviceChoice;
  if (!DEVICE_CHOICES.includes(device)) throw new LumenError('bad-input', `--device must be one of ${DEVICE_CHOICES.join(', ')}`);
  const blend = flag(args, 'blend') ?? 'gaussian';
  if (blend !== 'gaussian' && blend !== 'constant') throw new LumenError('bad-input', '--blend must be gaussian or constant');
  const connectivity = numberFlag(args, 'connectivity', (x) => x === 6 || x === 18 || x === 26, '6, 18 or 26') as Connectivity | undefined;
  const prob = flag(args, 'prob') === 'true';
  const post = {
    threshold: numberFlag(args, 'threshold', (x) => x >= 0 && x <= 1, 'a number from 0 to 1'),
    value: numberFlag(args, 'out-scale', (x) => Number.isInteger(x) && x >= 1 && x <= 255, 'an integer from 1 to 255'),
    minSize: integerFlag(args, 'min-size', 0),
    keepLargest: integerFlag(args, 'keep-largest', 1),
    fillHoles: flag(args, 'fill-holes') === 'true',
    instances: flag(args, 'instances') === 'true',
    connectivity,
  };
  if (prob && (post.minSize !== undefined || post.keepLargest !== undefined || post.fillHoles || post.instances)) {
    throw new LumenError('bad-input', 'post-processing (--min-size, --keep-largest, --fill-holes, --instances) applies to labels, not to --prob output');
  }

  let bar: ProgressBar | undefined;
  let shown = -1;
  const handle = startInference({
    model: { path: modelPath },
    input: { kind: 'file', path: image },
    output: { kind: 'file', path: out },
    device,
    threads: integerFlag(args, 'threads', 1),
    options: {
      output: prob ? 'probabilities' : 'labels',
      patch,
      overlap: numberFlag(args, 'overlap', (x) => x >= 0 && x < 1, 'a fraction from 0 up to (not including) 1'),
      blend,
      batch: integerFlag(args, 'batch', 1),
      flips: flag(args, 'flips') === 'true',
      post,
      tempDir: flag(args, 'temp-dir'),
    },
  }, {
    onProgress: (p) => {
      bar ??= new ProgressBar('predict', p.total);
      if (p.done > shown) { shown = p.done; bar.update(p.done, p.phase); }
    },
    onLog: (line) => process.stderr.write(`${line}\n`),
  });
  const onSignal = () => { process.stderr.write('\ncancelling…\n'); handle.cancel(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const r = await handle.result;
    console.log(JSON.stringify({
      out, shape: r.shape, dtype: r.dtype, device: r.device.used, patch: r.run.patch, patches: r.run.patches,
      seconds: +r.seconds.toFixed(2), voxelsPerSecond: Math.round((r.shape[0] * r.shape[1] * r.shape[2]) / r.seconds),
      ...(r.objects ? { objects: r.objects.count, objectVoxels: r.objects.sizes.length <= 1000 ? r.objects.sizes : undefined } : {}),
    }));
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
