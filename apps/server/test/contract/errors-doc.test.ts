/** Every error code in the catalog is documented in docs/errors.md. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../src/platform/errors.ts';

describe('docs/errors.md', () => {
  it('documents every catalog code', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../../docs/errors.md'), 'utf8');
    const missing = Object.keys(catalog).filter((code) => !doc.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });
});
