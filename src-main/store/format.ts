// Identity of a .lumen file. SQLite keeps `application_id` and `user_version` in the first
// 100 bytes of the file, so Lumen can recognise its own projects (and refuse everything
// else) by reading the header alone, without letting SQLite touch a foreign file.

/** 'LUMN' as a big-endian 32-bit integer; SQLite stores it at byte 68 of the header. */
export const LUMEN_APPLICATION_ID = 0x4c554d4e;

/** Schema this build writes. Bump it together with a new entry in MIGRATIONS. */
export const SCHEMA_VERSION = 4;

/** Also kept in the `meta` table, for humans poking at the file with the sqlite3 shell. */
export const PROJECT_MAGIC = 'lumen-project';

export const PROJECT_EXTENSION = '.lumen';
