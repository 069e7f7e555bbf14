#!/usr/bin/env node
// Jool 4 and Jool 3 command lines for the NAT64 instance: `alias jool=xlat-jool` (src/jool/main.ts).
import {runJool} from '../dist/jool/main.js';

await runJool('NAT64', process.argv.slice(2), 'xlat-jool');
