import { describe, expect, it } from 'vitest';
import { escapeLucene, normalizeSearchText, releaseGroupQuery, releaseQuery } from './query.ts';

describe('escapeLucene', () => {
  it.each([...'+-!(){}[]^"~*?:\\/&|'])('escapes the special character %j with one backslash', (char) => {
    expect(escapeLucene(char)).toBe(`\\${char}`);
    expect(escapeLucene(`a${char}b`)).toBe(`a\\${char}b`);
  });

  it.each([
    ['AC/DC', 'AC\\/DC'],
    ['Title (Deluxe) [2024]', 'Title \\(Deluxe\\) \\[2024\\]'],
    ['"quoted"', '\\"quoted\\"'],
    ['back\\slash', 'back\\\\slash'],
    ['\\"', '\\\\\\"'],
    ['ends with a backslash\\', 'ends with a backslash\\\\'],
    ['Rock && Roll', 'Rock \\&\\& Roll'],
    ['this || that', 'this \\|\\| that'],
    ["Guns N' Roses", "Guns N' Roses"],
    ['Who? Me! ~fuzzy* title^2 {a TO b}', 'Who\\? Me\\! \\~fuzzy\\* title\\^2 \\{a TO b\\}'],
    ['+1 -2 key:value', '\\+1 \\-2 key\\:value'],
    ['AND OR NOT', 'AND OR NOT'],
    ['米津玄師', '米津玄師'],
    ['Кино: Группа крови', 'Кино\\: Группа крови'],
    ['Sigur Rós', 'Sigur Rós'],
    ['', ''],
  ])('escapeLucene(%j) = %j', (input, expected) => {
    expect(escapeLucene(input)).toBe(expected);
  });

  it('escapes each character once, so escaping is not idempotent by design', () => {
    expect(escapeLucene(escapeLucene('a/b'))).toBe('a\\\\\\/b');
  });
});

describe('normalizeSearchText', () => {
  it.each([
    ['  Hexndeifl  ', 'Hexndeifl'],
    ['Bad\u0000Title', 'Bad Title'],
    ['line\nbreak\ttab\r\n', 'line break tab'],
    ['bell\u0007 and\u009Fc1', 'bell and c1'],
    ['many    spaces', 'many spaces'],
    ['no\u00A0break\u3000ideographic', 'no break ideographic'],
    ['米津玄師', '米津玄師'],
    ['Кино', 'Кино'],
    ['\u0000\n ', ''],
  ])('normalizeSearchText(%j) = %j', (input, expected) => {
    expect(normalizeSearchText(input)).toBe(expected);
  });
});

describe('releaseGroupQuery', () => {
  it.each([
    [{ title: 'Hexndeifl', artists: ['Gråinheim'] }, 'releasegroup:"Hexndeifl" AND artist:"Gråinheim"'],
    [{ title: 'Back in Black', artists: ['AC/DC'] }, 'releasegroup:"Back in Black" AND artist:"AC\\/DC"'],
    [
      { title: 'Title (Deluxe) [2024]', artists: ['A', 'B'] },
      'releasegroup:"Title \\(Deluxe\\) \\[2024\\]" AND artist:"A"',
    ],
    [{ title: 'Say "hi"', artists: ['x\\y'] }, 'releasegroup:"Say \\"hi\\"" AND artist:"x\\\\y"'],
    [{ title: 'Rock && Roll', artists: ['Led Zeppelin'] }, 'releasegroup:"Rock \\&\\& Roll" AND artist:"Led Zeppelin"'],
    [{ title: 'STRAY SHEEP', artists: ['米津玄師'] }, 'releasegroup:"STRAY SHEEP" AND artist:"米津玄師"'],
    [{ title: 'Группа крови', artists: ['Кино'] }, 'releasegroup:"Группа крови" AND artist:"Кино"'],
    [{ title: '  Two\n  lines\u0000 ', artists: ['  Some\tOne '] }, 'releasegroup:"Two lines" AND artist:"Some One"'],
    [{ title: 'Untitled', artists: [] }, 'releasegroup:"Untitled"'],
    [{ title: 'Untitled', artists: ['', ' \n', 'Second'] }, 'releasegroup:"Untitled" AND artist:"Second"'],
  ])('%j → %s', (terms, expected) => {
    expect(releaseGroupQuery(terms)).toBe(expected);
  });

  it.each(['', '   ', '\u0000\n'])('refuses the blank title %j', (title) => {
    expect(() => releaseGroupQuery({ title, artists: ['A'] })).toThrow(RangeError);
  });

  it('keeps every quote of a hostile value inside its phrase', () => {
    const query = releaseGroupQuery({ title: 'x" OR artist:"*', artists: ['y'] });
    expect(query).toBe('releasegroup:"x\\" OR artist\\:\\"\\*" AND artist:"y"');
    // Only the four phrase delimiters remain unescaped.
    expect(query.match(/(?<!\\)"/g)).toHaveLength(4);
  });
});

describe('releaseQuery', () => {
  it('searches the release field with the same escaping', () => {
    expect(releaseQuery({ title: 'Rumours', artists: ['Fleetwood Mac'] })).toBe(
      'release:"Rumours" AND artist:"Fleetwood Mac"',
    );
    expect(releaseQuery({ title: 'AC/DC Live', artists: [] })).toBe('release:"AC\\/DC Live"');
  });
});
