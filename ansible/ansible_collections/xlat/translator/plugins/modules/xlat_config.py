#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xlat contributors
# GNU General Public License v2.0 only (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: xlat_config
short_description: Apply a whole SIIT or NAT64 configuration file through C(xlat ... file handle)
description:
  - Hands a configuration (given inline as a dict, or as a file on the managed host) to
    C(xlat siit|nat64 file handle FILE --json), which brings the namespace's instance to exactly what it says,
    creating the instance if there is none, all or nothing, and reports C(changed) and the list of C(changes).
  - A second run with the same configuration reports C(changed=false) (xlat writes nothing then).
  - In check mode xlat runs with C(--check), which computes the changes and writes nothing. With C(--diff), the
    task's diff is xlat's own C(--diff) lines (C(+) added, C(-) removed, C(~) updated).
  - The configuration's format is xlat's (Jool's atomic-configuration format plus C(interfaces), C(hook),
    C(capacity); see the xlat README, "Configuration files", and C(xlat config schema)); this module only passes it
    on. A file with errors fails the task with xlat's message (every problem, also in C(problems)) and changes
    nothing.
version_added: "0.1.0"
author:
  - xlat contributors
extends_documentation_fragment:
  - xlat.translator.xlat
options:
  type:
    description: Which translator the configuration is for.
    type: str
    required: true
    choices: [siit, nat64]
  config:
    description:
      - The configuration, as a dict (given to xlat as JSON on its standard input, C(file handle -)).
      - Keys as in the file format, e.g. C(global), C(eamt) with C(ipv6 prefix) and C(ipv4 prefix), C(pool4),
        C(bib), C(interfaces).
    type: dict
  src:
    description: Path of a configuration file (JSON) on the managed host.
    type: path
  force:
    description:
      - Accept what xlat refuses without C(--force) (overlapping EAMT entries, pool4 prefixes shorter than /24,
        pool4 ranges over listening ports).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: SIIT from inline YAML
  xlat.translator.xlat_config:
    type: siit
    config:
      global:
        pool6: 64:ff9b::/96
      eamt:
        - ipv6 prefix: 2001:db8:6::/120
          ipv4 prefix: 192.0.2.0/24
      interfaces: [eth1, eth2]

- name: NAT64 from a file already on the host
  xlat.translator.xlat_config:
    type: nat64
    netns: red
    src: /etc/xlat/nat64.json
'''

RETURN = r'''
changes:
  description:
    - What xlat changed (or would change, in check mode), as C(file handle --json) lists it; empty when the instance
      already is what the configuration says.
  returned: always
  type: list
  elements: dict
  sample: [{"op": "add", "table": "eamt", "entry": {"ipv6-prefix": "2001:db8:6::/120", "ipv4-prefix": "192.0.2.0/24"},
            "text": "+ eamt 2001:db8:6::/120 192.0.2.0/24"}]
notes:
  description: xlat's notes on the configuration (keys that have no meaning for xlat and were ignored).
  returned: success
  type: list
  elements: str
problems:
  description: On failure because of the configuration, every problem xlat found, each a JSON pointer and what is wrong there.
  returned: failure
  type: list
  elements: str
commands:
  description: The xlat command the task ran.
  returned: always
  type: list
  elements: str
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xlat.translator.plugins.module_utils import xlat_cli


def main():
    module = AnsibleModule(
        argument_spec=dict(
            type=dict(type='str', required=True, choices=['siit', 'nat64']),
            config=dict(type='dict'),
            src=dict(type='path'),
            force=dict(type='bool', default=False),
            **xlat_cli.COMMON_ARGS
        ),
        mutually_exclusive=[('config', 'src')],
        required_one_of=[('config', 'src')],
        supports_check_mode=True,
    )
    p = module.params
    xlat = xlat_cli.Xlat(module)
    inline = p['config'] is not None
    words = [p['type'], 'file', 'handle', '-' if inline else p['src']]
    if module.check_mode:
        words.append('--check')
    if module._diff:
        words.append('--diff')
    if p['force']:
        words.append('--force')
    try:
        # xlat itself makes the dry run (--check): the command always runs, and says what it would change.
        xlat.commands.append(' '.join(xlat.argv(words)))
        env = xlat.envelope(words, data=json.dumps(p['config']) if inline else None)
        changed, changes, notes = xlat_cli.file_handle_result(env['result'])
        result = dict(changed=changed, changes=changes, notes=notes)
        if module._diff:
            result['diff'] = dict(prepared=xlat_cli.diff_text(changes))
        xlat.exit(**result)
    except xlat_cli.XlatError as e:
        xlat.fail(e)


if __name__ == '__main__':
    main()
