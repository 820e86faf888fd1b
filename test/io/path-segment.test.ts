import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { pathSegmentProblem, requirePathSegment } from '../../src/io/path-segment.js';

describe('path segments (names read from files and flags that become folder names)', () => {
  it('accepts ordinary names, dots inside them included', () => {
    for (const ok of ['s', 'fashion-mnist-transfer', 'synthetic-ce-s0-d92d40bd', 'v1.2', '..x', 'café'])
      expect(pathSegmentProblem(ok)).toBeNull();
  });

  it('refuses what would be the folder itself, its parent, a nested path or a hidden character', () => {
    for (const bad of ['', '.', '..', '../../escaped-suite', 'a/b', '/', 'a\\b', 'a\nb', 'a\tb', 'a\u0000', 'a\u007f'])
      expect(pathSegmentProblem(bad), JSON.stringify(bad)).not.toBeNull();
    // A lone surrogate has no UTF-8 form: the file system would get U+FFFD, another name.
    expect(pathSegmentProblem('a\ud800')).toMatch(/not valid Unicode/);
    expect(pathSegmentProblem('x'.repeat(256))).toMatch(/longer than 255 bytes/);
    expect(pathSegmentProblem(42)).not.toBeNull();
  });

  it('throws a usage error (exit 2) that names where the value came from', () => {
    expect(() => requirePathSegment('..', 's.yaml: name')).toThrow(UsageError);
    expect(() => requirePathSegment('a\nb', 's.yaml: name')).toThrow(
      /^s\.yaml: name: "a\\nb" must not hold control characters/,
    );
    expect(requirePathSegment('ok', 'x')).toBe('ok');
  });
});
