// `lumen convert IN OUT`: any readable volume (TIFF, NIfTI, PNG/GIF, OME-Zarr, folder of slices)
// to TIFF, NIfTI or OME-Zarr, chosen by OUT's extension. Streams slab by slab, so stacks larger
// than memory work.
import { LumenError } from '../../src-shared/errors.ts';
import { convertVolume, openVolume, writableFormat } from '../../src-shared/io/index.ts';
import { flag, parseArgs, type ParsedArgs } from '../args.ts';

export const summary = 'convert an image between TIFF, NIfTI (.nii/.nii.gz), OME-Zarr (.zarr) and slice folders: lumen convert IN OUT [--compression deflate] [--like REF] [--zarr-format 2|3] [--chunks z,y,x] [--labels]';

export const usage = `usage: lumen convert IN OUT [--compression none|deflate] [--like REFERENCE] [--zarr-format 2|3] [--chunks Z,Y,X] [--labels]
  IN: .tif/.tiff, .nii, .nii.gz, .png, .gif, an OME-Zarr folder or a folder of slices;
  OUT: .tif/.tiff (BigTIFF when large), .nii, .nii.gz or .zarr/.ome.zarr (OME-Zarr with a pyramid);
  --like writes OUT with the voxel size and orientation of REFERENCE (same shape), so a
  mask lines up with its image;
  OME-Zarr only: --zarr-format 3 (NGFF 0.5, default) or 2 (NGFF 0.4), --chunks (default 64,64,64),
  --labels for a label map (pyramid levels keep the most frequent label instead of the mean).`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['labels']);
  if (args.positional.length !== 2) throw new LumenError('bad-input', usage.split('\n')[0]!); // one line, as every error
  const [input, output] = args.positional as [string, string];
  writableFormat(output); // fail on an unknown output name before reading anything
  const compression = flag(args, 'compression') ?? 'none';
  if (compression !== 'none' && compression !== 'deflate') throw new LumenError('bad-input', `--compression must be none or deflate, not ${compression}`);
  const likePath = flag(args, 'like');
  const zarr = zarrOptions(args, writableFormat(output) === 'zarr');
  const reader = await openVolume(input);
  try {
    let like;
    if (likePath) {
      const ref = await openVolume(likePath);
      like = ref.info;
      await ref.close();
    }
    await convertVolume(reader, output, { compression, like, ...zarr });
  } finally {
    await reader.close();
  }
  const { shape, dtype } = reader.info;
  console.error(`wrote ${output} (${shape.join('×')} ${dtype})`);
  return 0;
}

/** --zarr-format, --chunks and --labels, refused (one line) on anything but an OME-Zarr output. */
function zarrOptions(args: ParsedArgs, zarrOut: boolean): { zarrFormat?: 2 | 3; chunks?: [number, number, number]; labels?: boolean } {
  const format = flag(args, 'zarr-format');
  const chunks = flag(args, 'chunks');
  const labels = flag(args, 'labels') === 'true';
  if (!zarrOut && (format !== undefined || chunks !== undefined || labels)) throw new LumenError('bad-input', '--zarr-format, --chunks and --labels apply only to an OME-Zarr output (.zarr)');
  if (format !== undefined && format !== '2' && format !== '3') throw new LumenError('bad-input', `--zarr-format must be 2 or 3, not ${format}`);
  let parsed: [number, number, number] | undefined;
  if (chunks !== undefined) {
    const parts = chunks.split(',').map(Number);
    if (parts.length !== 3 || !parts.every((n) => Number.isInteger(n) && n > 0)) throw new LumenError('bad-input', `--chunks must be three positive whole numbers z,y,x (e.g. 32,256,256), not ${chunks}`);
    parsed = parts as [number, number, number];
  }
  return { zarrFormat: format === undefined ? undefined : (Number(format) as 2 | 3), chunks: parsed, labels };
}
