#!/usr/bin/env node
// Jool 4 and Jool 3 command lines for the SIIT instance: `alias jool_siit=xlat-jool-siit` (src/jool/main.ts).
import {runJool} from '../dist/jool/main.js';

await runJool('SIIT', process.argv.slice(2), 'xlat-jool-siit');
