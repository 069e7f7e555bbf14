// The session churn soak (scripts/soak.mjs, `npm run soak`, 10 minutes by default) in a short version: 15 s of
// short TCP connections and UDP flows through a NAT64 whose session table (2,048) they keep full, long-lived flows
// beside them, then the drain. The soak itself checks that nothing leaked (no entry that had expired before the
// drain is left), that no long-lived flow missed an answer or changed its mapping, and that the counters add up;
// here its exit status and figures are checked. Its namespaces are unique and removed at its exit.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {skipReason, run, REPO} from '../helpers/netns.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# soak test skipped: ${SKIP}`);

test('session churn soak, short version: no leak, no live flow evicted, counters add up', {skip: SKIP || false, timeout: 240_000}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xlat-soak-'));
  try {
    const out = path.join(dir, 'soak.json');
    const args = [path.join(REPO, 'scripts', 'soak.mjs'), '--seconds', '15', '--timeout', '3', '--capacity', '2048', '--json', out];
    const r = await run(process.execPath, args, {timeout: 200_000, cwd: REPO});
    assert.equal(r.code, 0, `the soak's checks failed\n${r.stdout}${r.stderr}`);
    const {figures, failures} = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(failures, []);
    assert.ok(figures.udp.ok > 0 && figures.tcp.ok > 0, JSON.stringify(figures));
    assert.equal(figures.sessionsPeak, 2048, 'the table was full at its peak');
    assert.deepEqual(figures.longLived.failed, []);
    assert.deepEqual(figures.longLived.moved, []);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
