import { SETTINGS } from './settings.ts';

/** The README's configuration table, generated from SETTINGS so the two cannot drift (a unit test compares). */
export function configTableMarkdown(): string {
  const rows = Object.values(SETTINGS).map((s) => `| \`${s.env}\` | \`${s.flag.split(' ')[0]}\` | \`${s.default || '(empty)'}\` | ${s.description} |`);
  return ['| variable | flag | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
