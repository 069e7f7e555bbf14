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
  - Runs C(xlat siit|nat64 instance display/add/remove), C(instance attach/detach) for interfaces to add or drop
    (the instance keeps its tables), and C(global update pool6) for a pool6 change.
  - An instance attached with another hook, or (NAT64) made with another capacity, is only re-created when
    I(recreate=true), because re-creating it empties its tables (EAMT, pool4, BIB, sessions).
  - C(changed) is what xlat reports (its JSON C(changed)); in check mode, whether a command would be run.
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
      - RFC 6052 prefix (/32, /40, /48, /56, /64 or /96). Without it, a new instance translates nothing until one
        is set.
      - When the instance exists with another pool6, pool6 is changed in place. Compared as a network, so any
        spelling of the same prefix matches.
    type: str
  interfaces:
    description:
      - Exactly the interfaces the instance is attached to. Those missing are attached (with I(hook)), others
        detached. Default, at creation, is every non-loopback interface of the namespace; an existing instance is
        then left attached where it is.
    type: list
    elements: str
  hook:
    description:
      - Where to attach, as C(xlat ... instance add --hook). C(auto) accepts whatever hook the instance has.
      - C(xdp-generic) exists for I(type=siit) only (xlat refuses it for NAT64).
    type: str
    choices: [auto, xdp, xdp-generic, tc]
    default: auto
  capacity:
    description:
      - Entries per state table (NAT64 only), fixed when the instance is created (xlat's default is 65536).
      - An existing instance with another capacity is only re-created with I(recreate=true).
    type: int
  recreate:
    description:
      - Remove and add the instance again when its hook or capacity differ from the task's. Its tables are emptied.
      - Without it, such a task fails saying what differs, and changes nothing.
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

- name: Attach SIIT to a third interface too (its EAMT stays)
  xlat.translator.xlat_instance:
    type: siit
    interfaces: [eth1, eth2, eth3]

- name: No SIIT instance any more
  xlat.translator.xlat_instance:
    type: siit
    state: absent
'''

RETURN = r'''
instance:
  description:
    - The instance after the task as xlat reports it (C(instance display --json)), or null when there is none.
    - In check mode, the instance as it was.
  returned: always
  type: dict
  sample: {"namespace": "red", "type": "SIIT", "name": null, "status": "Running", "pool6": "64:ff9b::/96", "capacity": null,
           "layout": 5, "interfaces": [{"name": "eth1", "ifindex": 2, "hook": "xdp", "mode": "native", "reason": "native XDP"}]}
commands:
  description: The xlat commands the task ran (or, in check mode, would run).
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xlat.translator.plugins.module_utils import xlat_cli


def hook_matches(wanted, hook_mode):
    """Whether an interface attached as HOOK/MODE (xlat's instance display) is what the task's hook asks for."""
    hook, mode = hook_mode.split('/', 1)
    if wanted == 'auto':
        return True
    if wanted == 'xdp-generic':
        return hook == 'xdp' and mode == 'generic'
    return hook == wanted


def add_words(mode, p, interfaces, pool6, capacity):
    words = [mode, 'instance', 'add', '--hook', p['hook']]
    if pool6 is not None:
        words += ['--pool6', pool6]
    for ifname in interfaces or []:
        words += ['--iface', ifname]
    if capacity is not None and mode == 'nat64':
        words += ['--capacity', capacity]
    return words


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
        # inst: xlat's instance after the task (its answers to the changing commands); in check mode, `planned`
        # says what the task would leave, for the diff.
        inst = current
        planned = dict(before or {})
        if p['state'] == 'absent':
            if current is not None:
                xlat.change(mode, 'instance', 'remove')
                inst = planned = None
        elif current is None:
            inst = xlat_cli.added_instance(xlat.change(*add_words(mode, p, p['interfaces'], p['pool6'], p['capacity'])) or {})
            planned = dict(pool6=p['pool6'], hook=p['hook'],
                           interfaces=sorted(set(p['interfaces'] or [])) or ['(every non-loopback interface)'])
        else:
            wanted = sorted(set(p['interfaces'])) if p['interfaces'] is not None else before['interfaces']
            # Interfaces are attached and detached in place (the tables stay); a hook or a capacity is fixed for the
            # instance's life: only re-creating it changes that, which empties its tables.
            fixed = ['%s attached as %s' % (name, hm) for name, hm in sorted(before['hooks'].items())
                     if name in wanted and not hook_matches(p['hook'], hm)]
            if mode == 'nat64' and p['capacity'] is not None and p['capacity'] != before.get('capacity'):
                fixed.append('capacity %s' % before.get('capacity'))
            if fixed and not p['recreate']:
                module.fail_json(
                    msg='the %s instance has %s, the task asks for hook %s%s: set recreate=true to re-create it '
                        '(its tables are emptied)' % (
                            mode.upper(), ', '.join(fixed), p['hook'],
                            '' if p['capacity'] is None else ' and capacity %s' % p['capacity']),
                    instance=current, commands=xlat.commands, changed=False)
            if fixed:
                xlat.change(mode, 'instance', 'remove')
                capacity = p['capacity'] if p['capacity'] is not None else before.get('capacity')
                pool6 = p['pool6'] if p['pool6'] is not None else before['pool6']
                inst = xlat_cli.added_instance(xlat.change(*add_words(mode, p, wanted, pool6, capacity)) or {})
                planned = dict(pool6=pool6, interfaces=wanted, hook=p['hook'])
            else:
                attach = [i for i in wanted if i not in before['interfaces']]
                detach = [i for i in before['interfaces'] if i not in wanted]
                if attach:
                    inst = xlat_cli.added_instance(xlat.change(mode, 'instance', 'attach', *(attach + ['--hook', p['hook']])) or {}) or inst
                if detach:
                    inst = xlat_cli.added_instance(xlat.change(mode, 'instance', 'detach', *detach) or {}) or inst
                planned['interfaces'] = wanted
                if p['pool6'] is not None and not xlat_cli.same_prefix(p['pool6'], before['pool6'] or ''):
                    updated = xlat.change(mode, 'global', 'update', 'pool6', p['pool6'])
                    planned['pool6'] = xlat_cli.globals_(updated).get('pool6', p['pool6']) if updated else p['pool6']
                    inst = dict(inst, pool6=planned['pool6'])
        if module.check_mode:
            inst = current
            after = planned
        else:
            after = xlat_cli.instance_view(inst) if inst else None
        result = dict(instance=inst)
        if module._diff:
            result['diff'] = dict(before=before or {}, after=after or {})
        xlat.exit(**result)
    except xlat_cli.XlatError as e:
        xlat.fail(e)


if __name__ == '__main__':
    main()
