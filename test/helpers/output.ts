import type { Output } from '../../src/commands/output.ts';

/** An Output that keeps what a command wrote, for assertions. */
export interface RecordedOutput extends Output {
  /** Lines written to stdout (JSON answers as their text). */
  lines: string[];
  /** Notes written to stderr. */
  notes: string[];
  /** stdout as one string. */
  readonly stdout: string;
}

export function recordOutput({ interactive = false } = {}): RecordedOutput {
  const lines: string[] = [];
  const notes: string[] = [];
  return {
    lines,
    notes,
    interactive,
    line: (text = '') => void lines.push(text),
    json: (value) => void lines.push(JSON.stringify(value, null, 2)),
    note: (text) => void notes.push(text),
    get stdout() {
      return lines.map((l) => l + '\n').join('');
    },
  };
}
