import { describe, expect, it } from 'vitest';
import { alignColumns, fields, formatBytes, formatDate, formatImageSize, json, table, withoutMetadata } from '../../cli/output.js';

describe('berth output', () => {
  it('aligns a table\'s columns to their widest cell, two spaces apart, and pads no last column', () => {
    expect(table(['Name', 'Tag mutability', 'Created'], [
      ['a', 'IMMUTABLE', '2025-01-01T00:00:00Z'],
      ['team/long-name', 'MUTABLE', undefined],
    ])).toBe([
      'NAME            TAG MUTABILITY  CREATED',
      'a               IMMUTABLE       2025-01-01T00:00:00Z',
      'team/long-name  MUTABLE         -',
    ].join('\n'));
  });

  it('prints a table without rows as its header', () => {
    expect(table(['Key', 'Value'], [])).toBe('KEY  VALUE');
  });

  it('trims what an empty last cell would leave', () => {
    expect(alignColumns([['a', 'b'], ['long', '']], '  ')).toBe('  a     b\n  long');
  });

  it('prints one record as labelled fields, with - for absent values', () => {
    expect(fields([['Name', 'app'], ['Tag mutability', 'MUTABLE'], ['Exclusions', undefined]])).toBe([
      'Name:            app',
      'Tag mutability:  MUTABLE',
      'Exclusions:      -',
    ].join('\n'));
  });

  it('prints JSON indented, dates as ISO strings, without the SDK\'s $metadata', () => {
    const response = { $metadata: { httpStatusCode: 200 }, repository: { createdAt: new Date('2025-01-31T09:30:00.250Z') } };
    expect(json(withoutMetadata(response))).toBe('{\n  "repository": {\n    "createdAt": "2025-01-31T09:30:00.250Z"\n  }\n}');
  });

  it('formats times to the second, transfer sizes in binary units and image sizes in decimal ones, as docker shows them', () => {
    expect(formatDate(new Date('2025-01-31T09:30:00.250Z'))).toBe('2025-01-31T09:30:00Z');
    expect(formatDate(undefined)).toBeUndefined();
    expect([0, 1023, 1024, 2_600, 12_800, 3.5 * 1024 ** 2, 7.2 * 1024 ** 3].map(formatBytes))
      .toEqual(['0 B', '1023 B', '1.0 KiB', '2.5 KiB', '13 KiB', '3.5 MiB', '7.2 GiB']);
    expect([0, 999, 1000, 2_540, 12_345, 3_500_000, 7_200_000_000].map(formatImageSize))
      .toEqual(['0 B', '999 B', '1.0 kB', '2.5 kB', '12 kB', '3.5 MB', '7.2 GB']);
  });
});
