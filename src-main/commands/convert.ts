// `lumen convert IN OUT`: any readable volume (TIFF, NIfTI, PNG/GIF, folder of slices) to TIFF
// or NIfTI, chosen by OUT's extension. Streams slab by slab, so stacks larger than memory work.
import { LumenError } from '../../src-shared/errors.ts';
import { convertVolume, openVolume, writableFormat } from '../../src-shared/io/index.ts';
import { flag, parseArgs } from '../args.ts';

export const summary = 'convert an image between TIFF, NIfTI (.nii/.nii.gz) and slice folders: lumen convert IN OUT [--compression deflate] [--like REF]';

export const usage = `usage: lumen convert IN OUT [--compression none|deflate] [--like REFERENCE]
  IN and OUT: .tif/.tiff (BigTIFF when large), .nii, .nii.gz or a folder of slices;
  --like writes OUT with the voxel size and orientation of REFERENCE (same shape), so a
  mask lines up with its image.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.positional.length !== 2) throw new LumenError('bad-input', usage.split('\n')[0]!); // one line, as every error
  const [input, output] = args.positional as [string, string];
  writableFormat(output); // fail on an unknown output name before reading anything
  const compression = flag(args, 'compression') ?? 'none';
  if (compression !== 'none' && compression !== 'deflate') throw new LumenError('bad-input', `--compression must be none or deflate, not ${compression}`);
  const likePath = flag(args, 'like');
  const reader = await openVolume(input);
  try {
    let like;
    if (likePath) {
      const ref = await openVolume(likePath);
      like = ref.info;
      await ref.close();
    }
    await convertVolume(reader, output, { compression, like });
  } finally {
    await reader.close();
  }
  const { shape, dtype } = reader.info;
  console.error(`wrote ${output} (${shape.join('×')} ${dtype})`);
  return 0;
}
