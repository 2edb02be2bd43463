#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader, so no build step stands between a clone and `backbeat`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
