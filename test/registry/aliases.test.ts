import { describe, expect, it } from 'vitest';
import {
  aliasAt,
  aliasStack,
  emptyDocument,
  parseRegistryDocument,
  serializeRegistryDocument,
  withAlias,
  withRollback,
} from '../../src/registry/aliases.ts';
import { parseRef } from '../../src/registry/refs.ts';

const ana = { actor: 'ana' };

describe('alias document', () => {
  it('rolls back through the versions an alias went through, skipping rolled-back ones', () => {
    let doc = emptyDocument('penguins');
    for (const [version, at] of [
      [1, '2026-01-01T00:00:00Z'],
      [2, '2026-01-02T00:00:00Z'],
      [3, '2026-01-03T00:00:00Z'],
    ] as const) {
      doc = withAlias(doc, 'production', version, ana, at).doc;
    }
    doc = withRollback(doc, 'production', ana, '2026-01-04T00:00:00Z').doc; // 3 → 2
    doc = withAlias(doc, 'production', 4, ana, '2026-01-05T00:00:00Z').doc; // 2 → 4
    expect(aliasStack(doc.history, 'production')).toEqual([1, 2, 4]);
    const back = withRollback(doc, 'production', ana, '2026-01-06T00:00:00Z');
    expect(back.change).toMatchObject({ from: 4, to: 2, action: 'rollback' });
    expect(back.doc.aliases).toEqual({ production: 2 });
    expect(doc.aliases).toEqual({ production: 4 }); // the input is not modified

    expect(aliasAt(back.doc.history, 'production', '2025-12-31T23:59:59Z')).toBeUndefined();
    expect(aliasAt(back.doc.history, 'production', '2026-01-03T12:00:00Z')).toBe(3);
    expect(aliasAt(back.doc.history, 'production', '2026-01-04T00:00:00Z')).toBe(2);
    expect(aliasAt(back.doc.history, 'production', '2026-01-05T12:00:00Z')).toBe(4);
    expect(aliasAt(back.doc.history, 'staging', '2026-01-05T12:00:00Z')).toBeUndefined();
    expect(() => aliasAt(back.doc.history, 'production', 'yesterday')).toThrow(/not a date/);
  });

  it('refuses a rollback when the history does not lead to the current version', () => {
    const doc = withAlias(emptyDocument('penguins'), 'production', 2, ana, '2026-01-01T00:00:00Z').doc;
    const edited = { ...doc, aliases: { production: 5 } };
    expect(() => withRollback(edited, 'production', ana, '2026-01-02T00:00:00Z')).toThrow(/does not end at v5/);
  });

  it('round-trips through JSON and rejects documents of another model or shape', () => {
    const doc = withAlias(
      emptyDocument('penguins'),
      'production',
      2,
      { actor: 'ana', reason: 'ok' },
      '2026-01-01T00:00:00Z',
    ).doc;
    const text = new TextDecoder().decode(serializeRegistryDocument(doc));
    expect(parseRegistryDocument(text, 'penguins', 'registry.json')).toEqual(doc);
    expect(() => parseRegistryDocument(text, 'weather', 'registry.json')).toThrow(/model penguins, expected weather/);
    expect(() => parseRegistryDocument('{"format":1}', 'penguins', 'registry.json')).toThrow(
      /registry.json: not a registry document: model/,
    );
    expect(() => parseRegistryDocument('{', 'penguins', 'registry.json')).toThrow(/registry.json: not JSON/);
  });
});

describe('parseRef', () => {
  it('reads versions, latest and aliases', () => {
    expect(parseRef('v3')).toEqual({ kind: 'version', version: 3 });
    expect(parseRef('12')).toEqual({ kind: 'version', version: 12 });
    expect(parseRef('latest')).toEqual({ kind: 'latest' });
    expect(parseRef('production')).toEqual({ kind: 'alias', alias: 'production' });
    expect(() => parseRef('v0')).toThrow(/alias "v0"/);
    expect(() => parseRef('prod/../x')).toThrow(/alias/);
  });
});
