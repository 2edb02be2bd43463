/**
 * Typed wrappers for vitest's asymmetric matchers, which are typed `any` (and so trip the type-aware linter when
 * placed inside expected objects). Each returns the matcher typed as the value it stands for. Test-only.
 */
import { expect } from 'vitest';

/** Matches any string. */
export const anyString = (): string => expect.any(String) as string;
/** Matches any number. */
export const anyNumber = (): number => expect.any(Number) as number;
/** Matches any array. */
export const anyArray = (): unknown[] => expect.any(Array) as unknown[];
/** Matches a string that matches `pattern`. */
export const stringMatching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;
/** Matches a string that contains `part`. */
export const stringContaining = (part: string): string => expect.stringContaining(part) as string;
/** Matches an object that has at least these properties. */
export const objectContaining = <T extends object>(value: T): T =>
  expect.objectContaining(value as Record<string, unknown>) as T;
