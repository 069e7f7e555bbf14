# -*- coding: utf-8 -*-
# Copyright: xlat contributors
# GNU General Public License v2.0 only (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Options every xlat module takes.
    DOCUMENTATION = r'''
options:
  netns:
    description:
      - The network namespace to act in, as C(xlat -n NAME) (a name in C(/run/netns), as C(ip netns) lists).
      - Default is the namespace the module runs in.
    type: str
  xlat_path:
    description:
      - Path of the C(xlat) executable. Default is C(xlat) from C(PATH).
    type: path
notes:
  - The module runs C(xlat ... --json) and needs root, as xlat does.
  - A failure reports xlat's own one-line message in C(msg); xlat changes nothing when it fails.
requirements:
  - xlat (the C(xlat) command) on the managed host
'''
