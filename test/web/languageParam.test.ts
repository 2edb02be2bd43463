import { describe, expect, it } from 'vitest';
import {
  hasUnknownLanguage,
  languageFromSearch,
  languageParamValue,
  searchWithLanguage,
} from '../../web/src/lib/languageParam.ts';

describe('language filter in the URL', () => {
  it.each([
    ['', null],
    ['?language=', null],
    ['?language=ml', 'malayalam'],
    ['?language=ML', 'malayalam'],
    ['?language=malayalam', 'malayalam'],
    ['?language=%20Tamil%20', 'tamil'],
    ['?language=klingon', null],
    ['?other=1&language=hi', 'hindi'],
  ])('reads %j as %j', (search, language) => {
    expect(languageFromSearch(search)).toBe(language);
    expect(languageFromSearch(new URLSearchParams(search))).toBe(language);
  });

  it('writes the two-letter code where there is one, the name otherwise', () => {
    expect(languageParamValue('malayalam')).toBe('ml');
    expect(languageParamValue('Tamil')).toBe('ta');
    expect(languageParamValue('sanskrit')).toBe('sanskrit');
  });

  it('sets and clears the filter, keeping other parameters', () => {
    expect(searchWithLanguage('', 'malayalam')).toBe('?language=ml');
    expect(searchWithLanguage('?language=ta', 'hindi')).toBe('?language=hi');
    expect(searchWithLanguage('?language=ta', null)).toBe('');
    expect(searchWithLanguage('?x=1&language=ta', null)).toBe('?x=1');
    expect(searchWithLanguage('?x=1', 'tamil')).toBe('?x=1&language=ta');
  });

  it('round-trips every chip: the language written is the language read', () => {
    for (const language of ['hindi', 'tamil', 'malayalam', 'haryanvi', 'odia']) {
      expect(languageFromSearch(searchWithLanguage('', language))).toBe(language);
    }
  });

  it('flags a language the app cannot show, so the page can drop it from the URL', () => {
    expect(hasUnknownLanguage('?language=klingon')).toBe(true);
    expect(hasUnknownLanguage('?language=')).toBe(true);
    expect(hasUnknownLanguage('?language=ta')).toBe(false);
    expect(hasUnknownLanguage('')).toBe(false);
  });
});
