// The CLI contract (issue 15) for the NAT64 commands (test/helpers/contract.mjs has the table and the checks).
import {describe} from 'node:test';
import {skipReason} from '../helpers/netns.mjs';
import {contractSuite} from '../helpers/contract.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# e2e CLI contract skipped: ${SKIP}`);

describe('the CLI contract (NAT64)', {skip: SKIP ?? false}, () => {
  contractSuite('NAT64 commands', ['nat64']);
});
