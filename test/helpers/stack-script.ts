import { spawn } from 'node:child_process';
import { REPO_ROOT } from './env.ts';

/**
 * Runs `bash scripts/stack.sh <args>` without blocking the event loop (a test's workers keep writing to
 * their pipes meanwhile); resolves with its output, or fails with it and `what` (which stack).
 */
export function runStackScript(args: readonly string[], what: string, env: NodeJS.ProcessEnv = process.env, timeout = 180_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/stack.sh', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`stack.sh ${args.join(' ')} for ${what} failed (exit ${code}, signal ${signal}):\n${output}`));
    });
  });
}
