// SHA-256 of a file, read in 4 MiB pieces so multi-gigabyte TIFFs never sit in memory whole.
// Used for volumes stored by reference: the project remembers which exact bytes it was
// built from and can tell when the file on disk has been replaced or edited since.

import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export interface FileFingerprint {
  sha256: string;
  size: number;
}

export function fingerprintFile(path: string): FileFingerprint {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
    let size = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      size += n;
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    closeSync(fd);
  }
}

export function fileSize(path: string): number {
  return statSync(path).size;
}
