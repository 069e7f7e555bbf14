#!/usr/bin/env node
// xlat: argv into canonical form (global flags anywhere, abbreviations), then oclif (src/cli/main.ts).
import {runXlat} from '../dist/cli/main.js';

await runXlat(process.argv.slice(2));
