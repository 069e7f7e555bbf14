/**
 * Test-only fault injection (issue 11, "faults survived"): with XLAT_TEST_KILL_AT_STEP=N the CLI kills itself with
 * SIGKILL, as `kill -9` would, when it reaches the Nth step that changes kernel state (an attach, a detach, a map
 * write of a configuration change); with XLAT_TEST_STEPS=1 it names each step on stderr as it reaches it, so that
 * a test can count them. Unset (always, outside tests) a step costs one environment lookup and does nothing.
 */
let reached = 0;

export function faultPoint(what: string): void {
  const at = process.env.XLAT_TEST_KILL_AT_STEP;
  const list = process.env.XLAT_TEST_STEPS;
  if (at === undefined && list === undefined) return;
  reached++;
  if (list) process.stderr.write(`xlat-step ${reached}: ${what}\n`);
  if (at !== undefined && Number(at) === reached) process.kill(process.pid, 'SIGKILL');
}
