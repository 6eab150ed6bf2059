// Typed errors with messages meant for the person at the microscope, not for a stack trace.
// `code` is stable (tests and the UI branch on it); `message` is the readable sentence.

export type LumenErrorCode =
  | 'bad-input'        // a file or argument that is not what it claims to be
  | 'unsupported'      // a valid file using a feature Lumen does not read
  | 'truncated'        // a file that ends early
  | 'too-large'        // sizes beyond what can be allocated or what the file holds
  | 'not-a-project'    // a file that is not a Lumen project
  | 'newer-schema'     // a project written by a newer Lumen
  | 'damaged'          // a project or model whose contents fail their checks
  | 'shape-mismatch'   // two things that must agree in shape do not
  | 'device'           // an execution provider that cannot be used
  | 'scheduler'        // a batch scheduler (SLURM) that is missing or refuses a job
  | 'cancelled';       // the user stopped it

export class LumenError extends Error {
  readonly code: LumenErrorCode;
  constructor(code: LumenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LumenError';
    this.code = code;
  }
}

export function isLumenError(e: unknown, code?: LumenErrorCode): e is LumenError {
  return e instanceof LumenError && (code === undefined || e.code === code);
}
