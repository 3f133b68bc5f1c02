import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, hostname, release, totalmem, type } from 'node:os';
import type { ChartLibrary, MachineInfo } from './report-html.ts';

/** The machine this process runs on, as an HTML report shows it. */
export function thisMachine(): MachineInfo {
  return {
    hostname: hostname(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
    os: `${type()} ${release()}`,
  };
}

let library: Promise<ChartLibrary> | undefined;

/** uPlot from the installed package (the built CLI ships with its dependencies), to inline into a report; read once per process. */
export function readChartLibrary(): Promise<ChartLibrary> {
  library ??= (async () => {
    const require = createRequire(import.meta.url);
    const [js, css] = await Promise.all([
      readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    ]);
    return { js, css };
  })();
  return library;
}
