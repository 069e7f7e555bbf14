# -*- coding: utf-8 -*-
# GNU General Public License v2.0 only (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)
"""Stdout callback for test/ansible/ansible.test.mjs: one JSON document with the per-host stats, every failed
result (task name, msg, problems) and every changed one (task name, diff), which the test asserts on.
(ansible-core has no JSON callback of its own.)"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
name: xlat_test_report
type: stdout
short_description: one JSON report (stats and failures) for the xlat collection's tests
description: Prints, at the end of the run, the stats per host and the failed results.
'''

import json

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'xlat_test_report'

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.failed = []
        self.changed = []

    def _record(self, result, into):
        r = result._result
        into.append(dict(host=result._host.get_name(), task=result._task.get_name(), msg=r.get('msg'),
                         item=r.get('item'), rc=r.get('rc'), diff=r.get('diff'), problems=r.get('problems')))

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            self._record(result, self.failed)

    def v2_runner_item_on_failed(self, result):
        self._record(result, self.failed)

    def v2_runner_on_unreachable(self, result):
        self._record(result, self.failed)

    def v2_runner_on_ok(self, result):
        if result._result.get('changed'):
            self._record(result, self.changed)

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(stats.processed.keys())
        report = dict(
            stats=dict((h, stats.summarize(h)) for h in hosts),
            failed=self.failed,
            changed=self.changed,
        )
        self._display.display(json.dumps(report))
