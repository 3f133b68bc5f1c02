import { ENV_SETTINGS, SETTINGS, TRACING_SETTINGS } from './settings.ts';

/** The README's configuration table, generated from SETTINGS, ENV_SETTINGS and TRACING_SETTINGS so the two cannot drift (a unit test compares). */
export function configTableMarkdown(): string {
  const row = (env: string, flag: string, def: string, description: string) => `| \`${env}\` | ${flag} | \`${def || '(empty)'}\` | ${description} |`;
  const rows = [
    ...Object.values(SETTINGS).map((s) => row(s.env, `\`${s.flag.split(' ')[0]}\``, s.default, s.description)),
    ...[...Object.values(ENV_SETTINGS), ...Object.values(TRACING_SETTINGS)].map((s) => row(s.env, '–', s.default, s.description)),
  ];
  return ['| variable | flag | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
