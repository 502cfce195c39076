import { describe, expect, it } from 'vitest';
import { renderTable } from '../../cli/table.ts';

describe('renderTable', () => {
  it('aligns columns and renders nulls and objects', () => {
    expect(
      renderTable(
        ['name', 'n'],
        [
          ['a', 1],
          ['long name', null],
          ['obj', { x: 1 }],
        ],
      ),
    ).toBe(
      ['name       n', '---------  -------', 'a          1', 'long name  NULL', 'obj        {"x":1}'].join(
        '\n',
      ),
    );
  });
});
