// Crash-test writer: opens the project and commits label edits, undos, redos and volumes in
// an endless loop until the parent kills it with SIGKILL. After every commit it prints one
// line ("L <revision>" or "V <name>") so the parent knows what must have survived, and
// "B" just before each store call, so the parent knows whether a write was in flight.
// stdout to a pipe is synchronous on Linux, so a printed line means the call returned.
//
// usage: node --import tsx test/store/writer-child.ts FILE SEED
import { ProjectStore } from '../../src-main/store/index.ts';
import { fillSlice, paintBall, paintStroke, copySlice, eraseDisk, type LabelDelta, type SparseLabelVolume } from '../../src-shared/labels/index.ts';
import { rng } from '../labels/helpers.ts';
import { CRASH_LABEL_SHAPE, volumeForName } from './crash-fixture.ts';

const [file, seedText] = process.argv.slice(2);
const seed = Number(seedText);
const r = rng(seed);
const store = ProjectStore.open(file!);
const labelId = store.listLabels()[0]!.id;
const mem: SparseLabelVolume = store.loadLabels(labelId);
const [Z, Y, X] = CRASH_LABEL_SHAPE;
const axes = ['z', 'y', 'x'] as const;
process.stdout.write('ready\n');

function randomEdit(): LabelDelta {
  const k = r();
  const value = Math.floor(r() * 6);
  const axis = axes[Math.floor(r() * 3)]!;
  const index = Math.floor(r() * Z);
  if (k < 0.35) {
    return paintStroke(mem, { axis, index, radius: 2 + r() * 10, value: value || 2, points: [[r() * Z, r() * Y], [r() * Z, r() * Y], [r() * Z, r() * Y]] });
  }
  if (k < 0.55) return paintBall(mem, { center: [r() * Z, r() * Y, r() * X], radius: 5 + r() * 30, value });
  if (k < 0.75) return fillSlice(mem, { axis, index, value: value || 1 }); // touches up to 9 chunks
  if (k < 0.9) return copySlice(mem, { axis, from: index, to: Math.min(Z - 1, index + 1) });
  return eraseDisk(mem, { axis, index, center: [r() * Z, r() * Y], radius: 40 });
}

// The loop below never yields to the event loop, so nothing would stop it if the parent
// died without killing it (a test timeout): leave when orphaned or after 30 s, whichever first.
const parent = process.ppid;
const deadline = Date.now() + 30_000;

for (let n = 0; ; n++) {
  if (process.ppid !== parent || Date.now() > deadline) process.exit(3);
  const k = r();
  if (k < 0.7) {
    const d = randomEdit();
    process.stdout.write('B\n');
    const c = store.saveLabelEdit(labelId, d);
    if (c) {
      mem.applyDelta(d);
      process.stdout.write(`L ${c.revision}\n`);
    }
  } else if (k < 0.8) {
    process.stdout.write('B\n');
    const u = store.undoLabelEdit(labelId);
    if (u) {
      mem.applyDelta(u.delta, 'backward');
      process.stdout.write(`L ${u.revision}\n`);
    }
  } else if (k < 0.87) {
    process.stdout.write('B\n');
    const u = store.redoLabelEdit(labelId);
    if (u) {
      mem.applyDelta(u.delta, 'forward');
      process.stdout.write(`L ${u.revision}\n`);
    }
  } else if (k < 0.93) {
    // streamed import: one transaction spanning many writeSlices calls
    const name = `vol-${seed}-${n}`;
    const vol = volumeForName(name);
    process.stdout.write('B\n');
    const w = store.beginVolume({ shape: vol.shape, dtype: vol.dtype, geometry: vol.geometry }, { name });
    const per = vol.shape[1] * vol.shape[2];
    for (let z = 0; z < vol.shape[0]; z++) w.writeSlices(vol.data.subarray(z * per, (z + 1) * per));
    w.commit();
    process.stdout.write(`V ${name}\n`);
  } else {
    const name = `vol-${seed}-${n}`;
    const vol = volumeForName(name);
    process.stdout.write('B\n');
    store.addVolume(vol, { name });
    process.stdout.write(`V ${name}\n`);
  }
}
