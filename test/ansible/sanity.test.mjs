// Static checks of the Ansible collection: ansible-doc renders every module's DOCUMENTATION/EXAMPLES/RETURN,
// ansible-lint (production profile) is clean on the collection and on the playbooks of test/ansible and vagrant/,
// and `ansible-test sanity` passes for every test that runs offline. (The others, ansible-doc, import, pep8,
// pylint, runtime-metadata, validate-modules and yamllint, make ansible-test build a virtualenv from PyPI, which
// these machines cannot reach; ansible-doc and ansible-lint above cover the documentation and YAML.)
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {readdirSync} from 'node:fs';
import {run, REPO} from '../helpers/netns.mjs';

const COLLECTION = path.join(REPO, 'ansible', 'ansible_collections', 'xlat', 'translator');
const env = {...process.env, ANSIBLE_COLLECTIONS_PATH: path.join(REPO, 'ansible'), ANSIBLE_NOCOLOR: '1', NO_COLOR: '1'};
const OFFLINE_SANITY = [
  'action-plugin-docs', 'changelog', 'compile', 'empty-init', 'future-import-boilerplate', 'ignores', 'line-endings',
  'metaclass-boilerplate', 'no-assert', 'no-basestring', 'no-dict-iteritems', 'no-dict-iterkeys', 'no-dict-itervalues',
  'no-get-exception', 'no-illegal-filenames', 'no-main-display', 'no-smart-quotes', 'no-unicode-literals',
  'replace-urlopen', 'shebang', 'symlinks', 'use-argspec-type-path', 'use-compat-six',
];

const missing = (tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'});
    return null;
  } catch {
    return `${tool} is missing: run scripts/setup-ansible.sh (Debian packages)`;
  }
};
for (const tool of ['ansible-doc', 'ansible-lint', 'ansible-test']) {
  const why = missing(tool);
  if (why) console.log(`# ansible sanity: ${why}`);
}

const modules = readdirSync(path.join(COLLECTION, 'plugins', 'modules')).filter((f) => f.endsWith('.py')).map((f) => f.slice(0, -3));

describe('Ansible collection: documentation, lint, sanity', () => {
  it('has the six modules of the design', () => {
    assert.deepEqual(modules.sort(), ['xlat_bib', 'xlat_config', 'xlat_eamt', 'xlat_info', 'xlat_instance', 'xlat_pool4']);
  });

  it('ansible-doc shows every module with options, examples and return values', {skip: missing('ansible-doc') ?? false}, async () => {
    const r = await run('ansible-doc', ['--json', ...modules.map((m) => `xlat.translator.${m}`)], {env, timeout: 120_000});
    assert.equal(r.code, 0, r.stderr);
    const docs = JSON.parse(r.stdout);
    for (const m of modules) {
      const d = docs[`xlat.translator.${m}`];
      assert.ok(d, `no documentation for ${m}`);
      assert.ok(d.doc.short_description && d.doc.description, `${m}: description`);
      assert.ok(d.doc.options.netns, `${m}: the netns option`);
      assert.ok(d.examples.trim(), `${m}: EXAMPLES`);
      assert.ok(d.return && Object.keys(d.return).length > 0, `${m}: RETURN`);
    }
  });

  it('ansible-lint is clean (production profile) on the collection and the playbooks', {skip: missing('ansible-lint') ?? false}, async () => {
    const col = await run('ansible-lint', ['-p', '--nocolor', '--profile', 'production'], {env, cwd: COLLECTION, timeout: 300_000});
    assert.equal(col.code, 0, `collection:\n${col.stdout}${col.stderr}`);
    const books = ['test/ansible/site.yml', 'test/ansible/failure.yml', 'test/ansible/absent.yml', 'test/ansible/config.yml', 'vagrant/playbook.yml'];
    const pb = await run('ansible-lint', ['-p', '--nocolor', '--profile', 'production', ...books], {env, cwd: REPO, timeout: 300_000});
    assert.equal(pb.code, 0, `playbooks:\n${pb.stdout}${pb.stderr}`);
  });

  it('ansible-test sanity passes (the tests that run offline)', {skip: missing('ansible-test') ?? false}, async () => {
    const py = execFileSync('/usr/bin/python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {encoding: 'utf8'}).trim();
    const args = ['sanity', '--local', '--python', py, ...OFFLINE_SANITY.flatMap((t) => ['--test', t])];
    const r = await run('ansible-test', args, {env, cwd: COLLECTION, timeout: 600_000});
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  });
});
