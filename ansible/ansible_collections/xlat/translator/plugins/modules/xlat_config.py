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
    C(xlat siit|nat64 file handle FILE --json), which brings the instance to it and reports C(changed) and C(changes).
  - In check mode xlat runs with C(--check) (it reports what would change and changes nothing); with C(--diff), xlat's
    own C(--diff) output is returned as the task's diff.
  - The configuration's format is xlat's (see the xlat README, "Configuration files"); this module only passes it on.
  - Needs an xlat that has C(file handle); the module fails saying so otherwise.
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
    description: The configuration, as a dict (written to a temporary JSON file for xlat).
    type: dict
  src:
    description: Path of a configuration file on the managed host.
    type: path
'''

EXAMPLES = r'''
- name: SIIT from inline YAML
  xlat.translator.xlat_config:
    type: siit
    config:
      pool6: 64:ff9b::/96
      eamt:
        - ipv6Prefix: 2001:db8:6::/120
          ipv4Prefix: 192.0.2.0/24

- name: NAT64 from a file already on the host
  xlat.translator.xlat_config:
    type: nat64
    netns: red
    src: /etc/xlat/nat64.json
'''

RETURN = r'''
changes:
  description: What xlat changed (or would change, in check mode), as C(file handle --json) lists it.
  returned: always
  type: list
  elements: raw
commands:
  description: The xlat command the task ran.
  returned: always
  type: list
  elements: str
'''

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xlat.translator.plugins.module_utils import xlat_cli


def main():
    module = AnsibleModule(
        argument_spec=dict(
            type=dict(type='str', required=True, choices=['siit', 'nat64']),
            config=dict(type='dict'),
            src=dict(type='path'),
            **xlat_cli.COMMON_ARGS
        ),
        mutually_exclusive=[('config', 'src')],
        required_one_of=[('config', 'src')],
        supports_check_mode=True,
    )
    p = module.params
    mode = p['type']
    xlat = xlat_cli.Xlat(module)
    if not xlat.has_command(mode, 'file', 'handle'):
        module.fail_json(msg="this xlat (%s) has no '%s file handle' command: xlat_config needs a release with configuration files"
                         % (xlat.binary, mode))
    path = p['src']
    tmp = None
    if p['config'] is not None:
        fd, tmp = tempfile.mkstemp(prefix='xlat-config-', suffix='.json')
        with os.fdopen(fd, 'w') as f:
            json.dump(p['config'], f, indent=2)
        path = tmp
    try:
        words = [mode, 'file', 'handle', path]
        if module.check_mode:
            words.append('--check')
        if module._diff:
            words.append('--diff')
        xlat.commands.append(' '.join(xlat.argv(words)))
        data = xlat.run(*words)
        changed, changes = xlat_cli.file_handle_result(data)
        result = dict(changed=changed, changes=changes, commands=xlat.commands)
        if module._diff and data.get('diff') is not None:
            result['diff'] = dict(prepared=data['diff']) if isinstance(data['diff'], str) else data['diff']
        module.exit_json(**result)
    except xlat_cli.XlatError as e:
        xlat.fail(e)
    finally:
        if tmp:
            os.unlink(tmp)


if __name__ == '__main__':
    main()
