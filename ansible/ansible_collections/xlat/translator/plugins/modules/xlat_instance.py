#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xlat contributors
# GNU General Public License v2.0 only (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: xlat_instance
short_description: Create or remove the SIIT or NAT64 instance of a network namespace
description:
  - Makes sure the namespace has (or has not) an xlat translator instance of the given type, attached to the given
    interfaces, with the given pool6.
  - Runs C(xlat siit|nat64 instance display/add/remove) and, for a pool6 change, C(xlat siit|nat64 global update pool6).
  - An instance attached to other interfaces, or with another hook, is only re-created when I(recreate=true),
    because re-creating it empties its tables (EAMT, pool4, BIB, sessions).
version_added: "0.1.0"
author:
  - xlat contributors
extends_documentation_fragment:
  - xlat.translator.xlat
options:
  type:
    description: Which translator.
    type: str
    required: true
    choices: [siit, nat64]
  state:
    description: Whether the instance should exist.
    type: str
    choices: [present, absent]
    default: present
  pool6:
    description:
      - RFC 6052 prefix (/32, /40, /48, /56, /64 or /96). Required for I(type=nat64) when the instance is created.
      - When the instance exists with another pool6, pool6 is changed in place.
    type: str
  interfaces:
    description:
      - Interfaces to attach to. Default, at creation, is every non-loopback interface of the namespace; an
        existing instance is then left attached where it is.
    type: list
    elements: str
  hook:
    description:
      - Where to attach, as C(xlat ... instance add --hook). C(auto) accepts whatever hook the instance has.
      - C(xdp-generic) exists for I(type=siit) only.
    type: str
    choices: [auto, xdp, xdp-generic, tc]
    default: auto
  capacity:
    description: Entries per state table (NAT64 only), used when the instance is created.
    type: int
  recreate:
    description:
      - Remove and add the instance again when its interfaces or hook differ from the task's. Its tables are emptied.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: SIIT with the well-known prefix on two interfaces
  xlat.translator.xlat_instance:
    type: siit
    pool6: 64:ff9b::/96
    interfaces: [eth1, eth2]

- name: NAT64 inside the namespace "red"
  xlat.translator.xlat_instance:
    type: nat64
    netns: red
    pool6: 2001:db8:64::/96
    hook: tc

- name: No SIIT instance any more
  xlat.translator.xlat_instance:
    type: siit
    state: absent
'''

RETURN = r'''
instance:
  description: The instance after the task (as xlat shows it), or null when there is none.
  returned: always
  type: dict
  sample: {"type": "SIIT", "pool6": "64:ff9b::/96", "interfaces": [{"name": "eth1", "hook": "xdp", "mode": "native"}]}
commands:
  description: The xlat commands the task ran (or, in check mode, would run).
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xlat.translator.plugins.module_utils import xlat_cli


def hook_matches(wanted, hook_mode):
    hook, mode = hook_mode.split('/', 1)
    if wanted == 'auto':
        return True
    if wanted == 'xdp-generic':
        return hook == 'xdp' and mode == 'generic'
    return hook == wanted


def main():
    module = AnsibleModule(
        argument_spec=dict(
            type=dict(type='str', required=True, choices=['siit', 'nat64']),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            pool6=dict(type='str'),
            interfaces=dict(type='list', elements='str'),
            hook=dict(type='str', default='auto', choices=['auto', 'xdp', 'xdp-generic', 'tc']),
            capacity=dict(type='int'),
            recreate=dict(type='bool', default=False),
            **xlat_cli.COMMON_ARGS
        ),
        supports_check_mode=True,
    )
    p = module.params
    mode = p['type']
    xlat = xlat_cli.Xlat(module)
    try:
        current = xlat_cli.instance(xlat.run(mode, 'instance', 'display'))
        before = xlat_cli.instance_view(current)
        after = before
        if p['state'] == 'absent':
            if current is not None:
                xlat.change(mode, 'instance', 'remove')
                after = None
        else:
            attach_differs = current is not None and (
                (p['interfaces'] is not None and sorted(set(p['interfaces'])) != before['interfaces'])
                or not all(hook_matches(p['hook'], hm) for hm in before['hooks'].values())
            )
            if attach_differs and not p['recreate']:
                module.fail_json(
                    msg='the %s instance is attached to %s, the task asks for %s (hook %s): set recreate=true to '
                        're-create it (its tables are emptied)' % (
                            mode.upper(), ', '.join('%s (%s)' % kv for kv in sorted(before['hooks'].items())),
                            ', '.join(p['interfaces'] or before['interfaces']), p['hook']),
                    instance=current, commands=xlat.commands)
            if attach_differs:
                xlat.change(mode, 'instance', 'remove')
            if current is None or attach_differs:
                words = [mode, 'instance', 'add', '--hook', p['hook']]
                if p['pool6'] is not None:
                    words += ['--pool6', p['pool6']]
                for ifname in p['interfaces'] or []:
                    words += ['--iface', ifname]
                if p['capacity'] is not None and mode == 'nat64':
                    words += ['--capacity', p['capacity']]
                xlat.change(*words)
                after = dict(pool6=p['pool6'], interfaces=sorted(set(p['interfaces'] or [])) or ['(all)'], hook=p['hook'])
            elif p['pool6'] is not None and not xlat_cli.same_prefix(p['pool6'], before['pool6'] or ''):
                xlat.change(mode, 'global', 'update', 'pool6', p['pool6'])
                after = dict(before, pool6=p['pool6'])
        changed = bool(xlat.commands)
        result = dict(changed=changed, commands=xlat.commands)
        if module._diff:
            result['diff'] = dict(before=before or {}, after=after or {})
        # After a change, what xlat now reports (a fresh display); otherwise (and in check mode) what was there.
        result['instance'] = xlat_cli.instance(xlat.run(mode, 'instance', 'display')) if changed and not module.check_mode else current
        module.exit_json(**result)
    except xlat_cli.XlatError as e:
        xlat.fail(e)


if __name__ == '__main__':
    main()
