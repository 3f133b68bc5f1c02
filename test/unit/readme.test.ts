import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTableMarkdown } from '../../src/config/table.ts';

describe('README', () => {
  it('carries the configuration table generated from the settings (regenerate: npm run docs:config)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(configTableMarkdown());
  });
});
