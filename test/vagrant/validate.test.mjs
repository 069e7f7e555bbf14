// The VM lab's cheap checks, run in CI: `vagrant validate` on vagrant/Vagrantfile (with the libvirt provider
// plugin), the playbook's syntax with the collection on the path, and the scripts' shell syntax. Booting the VMs
// is `npm run lab:vagrant`'s job (minutes under KVM, much longer without it), not the test suite's.
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {rmSync} from 'node:fs';
import {run, REPO} from '../helpers/netns.mjs';

const VAGRANT_DIR = path.join(REPO, 'vagrant');
const missing = (tool, hint) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'});
    return null;
  } catch {
    return `${tool} is missing: ${hint}`;
  }
};
const NO_VAGRANT = missing('vagrant', 'run scripts/setup-ansible.sh (Debian vagrant, vagrant-libvirt)');
const NO_ANSIBLE = missing('ansible-playbook', 'run scripts/setup-ansible.sh (Debian ansible-core)');
if (NO_VAGRANT) console.log(`# vagrant validate skipped: ${NO_VAGRANT}`);

describe('Vagrant lab files', () => {
  it('vagrant validate accepts the Vagrantfile (libvirt provider)', {skip: NO_VAGRANT ?? false}, async (t) => {
    const plugins = await run('vagrant', ['plugin', 'list'], {cwd: VAGRANT_DIR, timeout: 120_000});
    assert.match(plugins.stdout, /vagrant-libvirt/, `the libvirt provider plugin is not installed\n${plugins.stdout}${plugins.stderr}`);
    // A private dot-file path: validating must not touch a lab that is up.
    const dotfiles = path.join(VAGRANT_DIR, '.vagrant', `validate-${process.pid}`);
    const env = {...process.env, VAGRANT_DOTFILE_PATH: dotfiles, XLAT_LAB_TARBALL: '/nonexistent.tgz'};
    t.after(() => rmSync(dotfiles, {recursive: true, force: true}));
    const r = await run('vagrant', ['validate'], {cwd: VAGRANT_DIR, env, timeout: 120_000});
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /validated successfully/);
    const machines = await run('vagrant', ['status', '--machine-readable'], {cwd: VAGRANT_DIR, env, timeout: 120_000});
    const names = [...new Set([...machines.stdout.matchAll(/^\d*,([a-z]+),state,/gm)].map((m) => m[1]))].sort();
    assert.deepEqual(names, ['client', 'server', 'translator']);
  });

  it('the lab playbook parses with the collection on the path', {skip: NO_ANSIBLE ?? false}, async () => {
    const env = {...process.env, ANSIBLE_CONFIG: path.join(VAGRANT_DIR, 'ansible.cfg')};
    const r = await run('ansible-playbook', ['--syntax-check', '-i', 'localhost,', 'playbook.yml'], {cwd: VAGRANT_DIR, env, timeout: 120_000});
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  });

  it('the lab scripts are valid shell and explain themselves', async () => {
    for (const s of ['lab.sh', 'build-box.sh', 'pack-xlat.sh', 'install-deps.sh']) {
      const r = await run('bash', ['-n', path.join(VAGRANT_DIR, s)]);
      assert.equal(r.code, 0, `${s}: ${r.stderr}`);
    }
    for (const s of ['lab.sh', 'build-box.sh']) {
      const r = await run('bash', [path.join(VAGRANT_DIR, s), '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /vagrant/i);
    }
    const bad = await run('bash', [path.join(VAGRANT_DIR, 'lab.sh'), '--bogus']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), "Error: unknown option '--bogus' (try --help)");
  });
});
