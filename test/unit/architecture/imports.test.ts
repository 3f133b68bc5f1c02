import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Each file's relative imports (static and dynamic), as absolute paths; `import type` included, as tsc resolves those too. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => resolve(dirname(file), m[1]!));
    graph.set(file, targets);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'visiting');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Which top-level folders of src each layer may import: lower layers never reach up. Top to bottom:
 * cli → commands → wiring → loadgen → saga → services → runtime → infra → events → config (the bench,
 * beside commands, is an entry point of its own). Every folder has a row, so a new one must be placed.
 */
const MAY_IMPORT: Record<string, string[]> = {
  config: ['config'],
  events: ['events', 'config'],
  infra: ['infra', 'config', 'events'],
  runtime: ['runtime', 'infra', 'config', 'events'],
  services: ['services', 'runtime', 'infra', 'config', 'events'],
  saga: ['saga', 'services', 'infra', 'config', 'events'],
  loadgen: ['loadgen', 'services', 'infra', 'config', 'events'],
  wiring: ['wiring', 'loadgen', 'saga', 'services', 'runtime', 'infra', 'config', 'events'],
  commands: ['commands', 'wiring', 'loadgen', 'saga', 'services', 'runtime', 'infra', 'config', 'events'],
  bench: ['bench', 'wiring', 'loadgen', 'saga', 'services', 'runtime', 'infra', 'config', 'events'],
  cli: ['cli', 'commands', 'config', 'events'],
};

const folderOf = (file: string) => relative(SRC, file).split('/')[0]!;

describe('the layout', () => {
  it('places every folder of src in a layer', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !MAY_IMPORT[f])).toEqual([]);
  });

  it('keeps each layer to the layers below it', () => {
    const offences = [...importGraph()].flatMap(([file, targets]) => {
      const allowed = MAY_IMPORT[folderOf(file)];
      if (!allowed) return [];
      return targets.filter((t) => !allowed.includes(folderOf(t)) && folderOf(t) !== 'errors.ts').map((t) => `${relative(SRC, file)} → ${relative(SRC, t)}`);
    });
    expect(offences).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycle = findCycle(importGraph());
    expect(cycle?.map((f) => relative(SRC, f)).join(' → ')).toBeUndefined();
  });

  it('builds the transport adapters (Kafka bus, in-process bus, PGlite) only in src/wiring', () => {
    const adapters = ['infra/kafka-bus.ts', 'infra/memory-bus.ts', 'infra/pglite-db.ts'].map((f) => join(SRC, f));
    const offenders = [...importGraph()]
      .filter(([file, targets]) => !file.startsWith(join(SRC, 'wiring')) && !adapters.includes(file) && targets.some((t) => adapters.includes(t)))
      .map(([file]) => relative(SRC, file));
    expect(offenders).toEqual([]);
  });

  it("keeps the client libraries (kafkajs, ioredis, pg, PGlite) in the adapters: infra, wiring, the bench and the services' Redis stores", () => {
    const clients = /from '(kafkajs|ioredis|pg|@electric-sql\/pglite[^']*)'/;
    const adapter = (file: string) => /^(infra|wiring|bench)\//.test(file) || /^services\/[^/]+\/redis-[^/]+\.ts$/.test(file);
    const offenders = sourceFiles(SRC)
      .map((f) => relative(SRC, f))
      .filter((f) => !adapter(f) && clients.test(readFileSync(join(SRC, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it("builds the services' Redis stores only in src/wiring and in their own service's definition (its index.ts)", () => {
    // redis-scripts.ts holds the Lua source alone (the bench's floor runs the same scripts): no store.
    const stores = sourceFiles(SRC).filter((f) => /^services\/[^/]+\/redis-(?!scripts\.ts$)[^/]+\.ts$/.test(relative(SRC, f)));
    expect(stores.length).toBeGreaterThan(0);
    const serviceOf = (file: string) => /^services\/([^/]+)\//.exec(relative(SRC, file))?.[1];
    const ownDefinition = (file: string, store: string) => relative(SRC, file) === `services/${serviceOf(store)}/index.ts`;
    const offenders = [...importGraph()]
      .filter(
        ([file, targets]) =>
          !file.startsWith(join(SRC, 'wiring')) && !stores.includes(file) && targets.some((t) => stores.includes(t) && !ownDefinition(file, t)),
      )
      .map(([file]) => relative(SRC, file));
    expect(offenders).toEqual([]);
  });
});
