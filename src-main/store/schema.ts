// The project schema as a list of migrations. A file records its version both in SQLite's
// `user_version` (readable from the raw header before opening) and in `meta`. Opening an
// older file applies the missing migrations in one transaction, so a crash mid-upgrade
// leaves the old version intact; a newer file is refused before anything is written.

import type Database from 'better-sqlite3';
import { LUMEN_APPLICATION_ID, PROJECT_MAGIC, SCHEMA_VERSION } from './format.ts';

export interface Migration {
  /** the schema version this migration produces */
  version: number;
  up(db: Database.Database): void;
}

// Bulk voxel blobs live in rowid tables (not WITHOUT ROWID) because SQLite handles large
// rows far better there. Foreign keys cascade so that deleting a volume cannot leave slabs
// or predictions pointing at nothing.
const V1 = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE volumes (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('image', 'prediction')),
  storage     TEXT NOT NULL CHECK (storage IN ('embed', 'reference')),
  shape       TEXT NOT NULL,           -- JSON [z, y, x, c]
  dtype       TEXT NOT NULL,
  geometry    TEXT NOT NULL,           -- JSON Geometry
  source      TEXT,                    -- JSON SourceInfo
  slab_depth  INTEGER NOT NULL,        -- z-slices per stored slab
  ref_path    TEXT,
  ref_sha256  TEXT,
  ref_size    INTEGER,
  created_at  TEXT NOT NULL,
  CHECK (storage = 'embed' OR (ref_path IS NOT NULL AND ref_sha256 IS NOT NULL))
);

CREATE TABLE volume_slabs (
  volume_id   INTEGER NOT NULL REFERENCES volumes(id) ON DELETE CASCADE,
  z0          INTEGER NOT NULL,
  raw_length  INTEGER NOT NULL,
  crc32       INTEGER NOT NULL,
  data        BLOB NOT NULL,
  UNIQUE (volume_id, z0)
);

CREATE TABLE label_volumes (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  volume_id   INTEGER REFERENCES volumes(id) ON DELETE SET NULL,
  shape       TEXT NOT NULL,           -- JSON [z, y, x]
  classes     TEXT NOT NULL,           -- JSON [{ value, name, color? }]
  revision    INTEGER NOT NULL DEFAULT 0,  -- +1 per committed edit, undo or redo
  created_at  TEXT NOT NULL
);

CREATE TABLE label_chunks (
  label_id    INTEGER NOT NULL REFERENCES label_volumes(id) ON DELETE CASCADE,
  chunk       INTEGER NOT NULL,
  raw_length  INTEGER NOT NULL,
  crc32       INTEGER NOT NULL,
  data        BLOB NOT NULL,
  UNIQUE (label_id, chunk)
);

-- The edit journal. AUTOINCREMENT so a sequence number is never reused, even after the
-- redo branch is discarded; 'undone' rows are the redo stack.
CREATE TABLE label_edits (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  label_id    INTEGER NOT NULL REFERENCES label_volumes(id) ON DELETE CASCADE,
  undone      INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
  voxels      INTEGER NOT NULL,
  note        TEXT,
  delta       BLOB NOT NULL,           -- encodeDelta bytes
  crc32       INTEGER NOT NULL,        -- of delta
  created_at  TEXT NOT NULL
);
CREATE INDEX label_edits_by_label ON label_edits(label_id, undone, seq);

CREATE TABLE models (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  onnx        BLOB NOT NULL,
  onnx_crc32  INTEGER NOT NULL,
  weights     BLOB,
  weights_crc32 INTEGER,
  config      TEXT NOT NULL,           -- JSON training config
  provenance  TEXT NOT NULL,           -- JSON: which data, labels and strategy made it
  created_at  TEXT NOT NULL
);

CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  model_id    INTEGER REFERENCES models(id) ON DELETE SET NULL,
  config      TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'cancelled')),
  metrics     TEXT,
  started_at  TEXT NOT NULL,
  finished_at TEXT
);

CREATE TABLE run_steps (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step        INTEGER NOT NULL,
  loss        REAL NOT NULL,
  extra       TEXT,
  PRIMARY KEY (run_id, step)
);

CREATE TABLE predictions (
  id                INTEGER PRIMARY KEY,
  name              TEXT NOT NULL,
  kind              TEXT NOT NULL CHECK (kind IN ('labels', 'probabilities')),
  model_id          INTEGER REFERENCES models(id) ON DELETE SET NULL,
  source_volume_id  INTEGER REFERENCES volumes(id) ON DELETE CASCADE,
  output_volume_id  INTEGER NOT NULL UNIQUE REFERENCES volumes(id) ON DELETE CASCADE,
  created_at        TEXT NOT NULL
);
`;

// v2: learning-curve results imported for the Results panel.
const V2 = `
CREATE TABLE experiments (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  source      TEXT NOT NULL,           -- the file it was imported from
  result      TEXT NOT NULL,           -- JSON: name, notes, cells, summary
  imported_at TEXT NOT NULL
);
`;

// v3: instance layers (one whole id per object, for StarDist-style instance segmentation), per
// image volume: the objects a user drew or imported ('drawn', with an edit journal like the class
// labels') and the objects a model found ('predicted'). Ids are stored as uint32 chunks, the
// regions marked "fully annotated" as a second plane of 0/1 chunks; only non-empty chunks exist.
const V3 = `
CREATE TABLE instance_layers (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('drawn', 'predicted')),
  volume_id   INTEGER REFERENCES volumes(id) ON DELETE SET NULL,
  model_id    INTEGER REFERENCES models(id) ON DELETE SET NULL,
  shape       TEXT NOT NULL,           -- JSON [z, y, x]
  revision    INTEGER NOT NULL DEFAULT 0,  -- +1 per committed edit, undo or redo
  created_at  TEXT NOT NULL
);

CREATE TABLE instance_chunks (
  layer_id    INTEGER NOT NULL REFERENCES instance_layers(id) ON DELETE CASCADE,
  plane       TEXT NOT NULL CHECK (plane IN ('ids', 'annotated')),
  chunk       INTEGER NOT NULL,        -- ChunkGrid id (64³ chunks)
  raw_length  INTEGER NOT NULL,        -- bytes: 4 per voxel for ids, 1 for annotated
  crc32       INTEGER NOT NULL,
  data        BLOB NOT NULL,
  UNIQUE (layer_id, plane, chunk)
);

CREATE TABLE instance_edits (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  layer_id    INTEGER NOT NULL REFERENCES instance_layers(id) ON DELETE CASCADE,
  undone      INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
  voxels      INTEGER NOT NULL,
  note        TEXT,
  delta       BLOB NOT NULL,           -- encodeInstanceDelta bytes
  crc32       INTEGER NOT NULL,        -- of delta
  created_at  TEXT NOT NULL
);
CREATE INDEX instance_edits_by_layer ON instance_edits(layer_id, undone, seq);
`;

// v4: a prediction can describe another one: the uncertainty map made beside a label prediction
// (kind 'probabilities', float32, 0 = sure, 1 = most unsure) points at it. The column is added with
// a NULL default, so every prediction of an older file is a plain one. Deleting a prediction by
// any route (its row, its volume, its source volume) takes the maps that describe it along, volume
// and all: the trigger deletes their volumes, whose rows then cascade, so no map is left orphaned.
const V4 = `
ALTER TABLE predictions ADD COLUMN labels_prediction_id INTEGER REFERENCES predictions(id) ON DELETE CASCADE;
CREATE INDEX predictions_by_labels_prediction ON predictions(labels_prediction_id);
CREATE TRIGGER predictions_take_their_maps BEFORE DELETE ON predictions
BEGIN
  DELETE FROM volumes WHERE id IN (SELECT output_volume_id FROM predictions WHERE labels_prediction_id = OLD.id);
END;
`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up(db) {
      db.exec(V1);
      const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      put.run('magic', PROJECT_MAGIC);
      put.run('application_id', String(LUMEN_APPLICATION_ID));
      put.run('created_at', new Date().toISOString());
      put.run('schema_version', '1');
    },
  },
  { version: 2, up: (db) => db.exec(V2) },
  { version: 3, up: (db) => db.exec(V3) },
  { version: 4, up: (db) => db.exec(V4) },
];

export function schemaVersionOf(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Bring `db` from its current version to `target` in ONE transaction, stamping the Lumen
 * application id with it: a file is a Lumen project exactly when its schema committed.
 */
export function runMigrations(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS, target = SCHEMA_VERSION): number {
  const from = schemaVersionOf(db);
  if (from >= target) return from;
  db.transaction(() => {
    for (const m of migrations) {
      if (m.version <= from || m.version > target) continue;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }
    db.pragma(`application_id = ${LUMEN_APPLICATION_ID}`);
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .run(String(target));
  }).immediate();
  return target;
}
