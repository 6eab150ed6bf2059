// What kind of file is this? Magic bytes first (extensions lie: a .tif renamed .png, a .nii
// that is really gzipped); the extension only breaks ties and names formats for writing.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { looksLikeZarr } from './zarr/ngff-group.ts';
import { Gunzip } from 'fflate';
import { LumenError } from '../errors.ts';
import { niftiVersion } from './nifti-header.ts';
import type { VolumeFormat } from './reader.ts';

export function formatFromExtension(path: string): VolumeFormat | undefined {
  const p = path.toLowerCase();
  if (p.endsWith('.nii') || p.endsWith('.nii.gz')) return 'nifti';
  if (/\.(tif|tiff|btf|tf8|ome\.tif|ome\.tiff)$/.test(p)) return 'tiff';
  if (p.endsWith('.png')) return 'png';
  if (p.endsWith('.gif')) return 'gif';
  if (/\.zarr\/*$/.test(p)) return 'zarr';
  return undefined;
}

function head(path: string, n: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const b = new Uint8Array(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

export function detectFormat(path: string): VolumeFormat {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new LumenError('bad-input', `${path} does not exist or cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`, { cause: e });
  }
  // a folder is an OME-Zarr image when it holds Zarr metadata or is named so, else a folder of slices
  if (st.isDirectory()) return looksLikeZarr(path) || formatFromExtension(path) === 'zarr' ? 'zarr' : 'slices';
  if (st.size === 0) throw new LumenError('truncated', `${path} is empty (0 bytes)`);
  const b = head(path, 4096);
  const s = String.fromCharCode(...b.subarray(0, 4));
  if (s === 'II*\0' || s === 'MM\0*' || s === 'II+\0' || s === 'MM\0+') return 'tiff';
  if (b[0] === 0x89 && s.slice(1) === 'PNG') return 'png';
  if (s === 'GIF8') return 'gif';
  if (niftiVersion(b)) return 'nifti';
  if (b[0] === 0x1f && b[1] === 0x8b) {
    // gzip: a .nii.gz if the inflated start is a NIfTI header (a partial inflate suffices)
    if (formatFromExtension(path) === 'nifti') return 'nifti';
    try {
      const inflated = gunzipPrefix(b);
      if (inflated && niftiVersion(inflated)) return 'nifti';
    } catch { /* not inflatable from the first bytes; fall through */ }
    throw new LumenError('unsupported', `${path} is gzip-compressed but not a NIfTI image; unpack it first`);
  }
  const ext = formatFromExtension(path);
  const what = ext ? `it is named like a ${ext.toUpperCase()} file but its first bytes do not match` : 'its first bytes match no image format Lumen reads';
  throw new LumenError('bad-input', `${path} is not a TIFF, NIfTI, PNG or GIF image (${what})`);
}

/** Inflates what the first bytes of a gzip stream give, without needing the whole file. */
function gunzipPrefix(b: Uint8Array): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  try {
    new Gunzip((d) => { parts.push(d); }).push(b, false);
  } catch {
    return undefined;
  }
  return parts[0];
}
