// `lumen info FILE`: one JSON line describing a volume from its headers alone (no voxels read),
// so it is instant even on a multi-GB stack.
import { LumenError } from '../../src-shared/errors.ts';
import { openVolume } from '../../src-shared/io/index.ts';
import { parseArgs } from '../args.ts';

export const summary = 'print shape, type, voxel size and format of an image file or OME-Zarr folder (with NGFF version, chunks and pyramid levels) as one JSON line';

export const usage = 'usage: lumen info FILE (a .tif, .nii, .nii.gz, .png, .gif, an OME-Zarr folder or a folder of slices)';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.positional.length !== 1) throw new LumenError('bad-input', usage);
  const path = args.positional[0]!;
  const reader = await openVolume(path);
  try {
    const { shape, dtype, geometry, format, source } = reader.info;
    const header = (source.header ?? {}) as Record<string, unknown>;
    const out: Record<string, unknown> = {
      shape: shape[3] === 1 ? shape.slice(0, 3) : shape,
      dtype,
      spacing: geometry.spacing,
      unit: geometry.unit,
      format,
    };
    if (geometry.affine) out.affine = geometry.affine;
    if (format === 'nifti') {
      out.orientation = orientationCode(geometry.affine);
      out.niftiVersion = header.version;
    }
    if (format === 'zarr') {
      out.ngffVersion = header.ngffVersion;
      out.zarrFormat = header.zarrFormat;
      out.chunks = header.chunks;
      out.codecs = header.codecs;
      out.levels = (header.levels as Array<{ shape: number[] }>).map((l) => (l.shape[3] === 1 ? l.shape.slice(0, 3) : l.shape));
    }
    if (format === 'tiff') {
      out.compression = header.compression;
      out.bigTiff = header.bigTiff;
    }
    console.log(JSON.stringify(out));
    return 0;
  } finally {
    await reader.close();
  }
}

/** The three-letter axis code (e.g. RAS) the voxel axes point towards, from the affine. */
function orientationCode(affine: number[] | undefined): string | undefined {
  if (!affine) return undefined;
  const letters = [['L', 'R'], ['P', 'A'], ['I', 'S']];
  let code = '';
  for (let j = 0; j < 3; j++) {
    const col = [affine[j]!, affine[4 + j]!, affine[8 + j]!];
    let best = 0;
    for (let i = 1; i < 3; i++) if (Math.abs(col[i]!) > Math.abs(col[best]!)) best = i;
    code += letters[best]![col[best]! >= 0 ? 1 : 0];
  }
  return code;
}
