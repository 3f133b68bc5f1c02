import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../helpers/env.ts';

/** Builds the CLI the tests spawn, and starts (or reuses) Kafka, Redis and PostgreSQL. */
export default function setup(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (process.env.KAFKA_BROKERS && process.env.DOMS_EXTERNAL_STACK) return;
  execFileSync('bash', ['scripts/stack.sh', 'up'], { cwd: REPO_ROOT, stdio: 'inherit', timeout: 15 * 60_000 });
}
