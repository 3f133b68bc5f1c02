import fc from 'fast-check';

/** The seed used when FUZZ_SEED is not set: every run makes the same cases, so a failure reproduces. */
const DEFAULT_SEED = 20261125;

/** The fuzz tests' seed: FUZZ_SEED (an integer) or the fixed default. */
export const FUZZ_SEED = seedFromEnv();

function seedFromEnv(): number {
  const raw = process.env.FUZZ_SEED?.trim();
  if (!raw) return DEFAULT_SEED;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer (got '${raw}')`);
  return seed;
}

/** Says which seed a fuzz run used and how to run it again, once per file. */
export function announceSeed(what: string): void {
  console.log(`${what}: fuzz seed ${FUZZ_SEED} (FUZZ_SEED=${FUZZ_SEED} reproduces it; set another to explore)`);
}

/** fast-check's run parameters: the seed, `numRuns` cases, and a report that names the seed. */
export function fuzzRuns<T>(numRuns: number): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns, endOnFailure: false, verbose: 0 };
}

/** `n` values of an arbitrary, the same ones for the same seed (`salt` keeps different uses apart). */
export function sampleOf<T>(arbitrary: fc.Arbitrary<T>, n: number, salt = 0): T[] {
  return fc.sample(arbitrary, { seed: FUZZ_SEED + salt, numRuns: n });
}

/** A JSON string literal with every UTF-16 unit written as a `\uXXXX` escape: the same string, spelled otherwise. */
export function escapedJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) out += `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return `${out}"`;
}
