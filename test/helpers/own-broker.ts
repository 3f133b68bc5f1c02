import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './env.ts';
import { runStackScript } from './stack-script.ts';
import { freePort } from '../../src/infra/net.ts';

const MAIN_STACK_DIR = process.env.DOMS_STACK_DIR ?? `${REPO_ROOT}.stack`;

/**
 * A single Kafka broker of a test's own, on free ports, started and stopped with scripts/stack.sh
 * (data and logs in .stack/<name>, the jars shared with the dev broker). A test that stops a broker
 * stops this one: it can, whoever started the broker on KAFKA_BROKERS, and the other tests' broker
 * stays up.
 */
export class OwnBroker {
  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly controllerPort: number,
  ) {}

  static async create(name: string): Promise<OwnBroker> {
    const port = await freePort();
    let controller = await freePort();
    while (controller === port) controller = await freePort();
    return new OwnBroker(name, port, controller);
  }

  get address(): string {
    return `localhost:${this.port}`;
  }

  get dir(): string {
    return `${MAIN_STACK_DIR}/${this.name}`;
  }

  /** The pid of the broker the script started, from its pid file; undefined when it has none. */
  pid(): number | undefined {
    try {
      const pid = Number(readFileSync(`${this.dir}/kafka.pid`, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  up(): Promise<string> {
    return this.stack(['up']);
  }

  down(...flags: string[]): Promise<string> {
    return this.stack(['down', ...flags]);
  }

  /** The broker's log, last lines, for a failure message. */
  logTail(lines = 30): string {
    try {
      return readFileSync(`${this.dir}/logs/kafka.log`, 'utf8').split('\n').slice(-lines).join('\n');
    } catch (e: unknown) {
      return `(no log: ${(e as Error).message})`;
    }
  }

  /** Runs the stack script on this broker's folder and ports, sharing the main stack's jars. */
  private stack(args: string[], timeout = 180_000): Promise<string> {
    const env = {
      ...process.env,
      DOMS_STACK_DIR: this.dir,
      DOMS_JARS_DIR: MAIN_STACK_DIR,
      KAFKA_PORT: String(this.port),
      KAFKA_CONTROLLER_PORT: String(this.controllerPort),
      KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m',
    };
    return runStackScript(args, `${this.name} on ${this.port}`, env, timeout);
  }
}
