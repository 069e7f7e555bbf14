// The SIIT lab  n6 -- j -- n4  shared by the end-to-end tests and scripts/lab.sh.
//
//   n6  to_jool_v6 2001:db8:1c0:2:21::/64   <->  j to_client_v6 2001:db8:1c0:2:1::/64
//   j   to_client_v4 198.51.100.1/24         <->  n4 to_jool_v4 198.51.100.2/24
//
// Addressing follows the external RFC 7915 conformance corpus (pool6 2001:db8:100::/40): n6 is 192.0.2.33
// seen from IPv4, n4 is 2001:db8:1c6:3364:2:: seen from IPv6 (RFC 6052, /40). j forwards both families;
// without a translator n6 and n4 cannot reach each other (different families), only j.
//
// As a command (used by scripts/lab.sh):
//   node test/helpers/topology.mjs up PREFIX      creates PREFIX-n6, PREFIX-j, PREFIX-n4, prints shell variables
//   node test/helpers/topology.mjs down PREFIX    removes them (and whatever runs inside)
import {fileURLToPath} from 'node:url';
import {createNamespace, createVeth, addAddress, addRoute, setSysctls, deleteNamespace, macOf, addNeighbour, uniqueName} from './netns.mjs';
import {embed} from './rfc6052.mjs';

export const POOL6 = '2001:db8:100::/40';

/**
 * Addressing of a lab whose translator uses `pool6` (a /32, /40, /48 or /56; default the corpus' /40): n6 is
 * 192.0.2.33 and j is 192.0.2.1 embedded in pool6, both in the /64 that holds them; n4 is 198.51.100.2.
 * With the default pool6 this is exactly the conformance corpus' addressing.
 */
export function labAddresses(pool6 = POOL6) {
  const n6addr = embed(pool6, '192.0.2.33');
  const jaddr = embed(pool6, '192.0.2.1');
  if (Number(pool6.split('/')[1]) > 56) throw new Error(`lab pool6 must be /56 or shorter (n6's /64 must not hold n4's address): ${pool6}`);
  return Object.freeze({
    pool6,
    n6: {iface: 'to_jool_v6', addr6: n6addr, cidr6: `${n6addr}/64`},
    j: {
      iface6: 'to_client_v6',
      addr6: jaddr,
      cidr6: `${jaddr}/64`,
      iface4: 'to_client_v4',
      addr4: '198.51.100.1',
      cidr4: '198.51.100.1/24',
    },
    n4: {iface: 'to_jool_v4', addr4: '198.51.100.2', cidr4: '198.51.100.2/24'},
    /** How n6 reaches n4: 198.51.100.2 inside pool6 (2001:db8:1c6:3364:2:: for the default). */
    n4As6: embed(pool6, '198.51.100.2'),
    /** How n4 reaches n6: its address is 192.0.2.33 inside pool6. */
    n6As4: '192.0.2.33',
  });
}

/** The default lab: n6 2001:db8:1c0:2:21::, j 2001:db8:1c0:2:1:: / 198.51.100.1, n4 198.51.100.2. */
export const ADDR = labAddresses(POOL6);

/**
 * Creates the three namespaces and wires them. Returns {n6, j, n4, addr, destroy()}.
 * @param {object} [opts]
 * @param {string} [opts.prefix]   names are `${prefix}-n6` etc.; default a unique `xlt-<pid>-<rand>`
 * @param {boolean} [opts.register] remove automatically at exit (default true; the kept lab passes false)
 * @param {boolean} [opts.staticNeighbours] permanent neighbour entries on the three links (default true)
 * @param {string} [opts.pool6] the pool6 the addressing is built around (default POOL6); see labAddresses()
 */
export async function createSiitLab({prefix, register = true, staticNeighbours = true, pool6 = POOL6} = {}) {
  const base = prefix ?? uniqueName('x').replace(/-x$/, '');
  const addr = labAddresses(pool6);
  const lab = {n6: `${base}-n6`, j: `${base}-j`, n4: `${base}-n4`, addr, pool6};
  lab.destroy = async () => {
    for (const ns of [lab.n6, lab.j, lab.n4]) await deleteNamespace(ns);
  };
  try {
    for (const ns of [lab.n6, lab.j, lab.n4]) await createNamespace(ns, {register});
    const {n6, j, n4} = addr;

    await setSysctls(lab.j, {
      'net.ipv4.conf.all.forwarding': 1,
      'net.ipv6.conf.all.forwarding': 1,
      'net.ipv6.auto_flowlabels': 0,
      'net.ipv6.conf.all.accept_dad': 0,
      'net.ipv6.conf.default.accept_dad': 0,
    });
    for (const ns of [lab.n6, lab.n4]) {
      await setSysctls(ns, {
        'net.ipv4.ip_default_ttl': 64,
        'net.ipv6.conf.all.hop_limit': 64,
        'net.ipv6.conf.default.hop_limit': 64,
        'net.ipv6.conf.all.accept_dad': 0,
        'net.ipv6.conf.default.accept_dad': 0,
      });
    }

    await createVeth(lab.n6, n6.iface, lab.j, j.iface6);
    await createVeth(lab.j, j.iface4, lab.n4, n4.iface);

    await addAddress(lab.n6, n6.iface, n6.cidr6);
    await addAddress(lab.j, j.iface6, j.cidr6);
    await addAddress(lab.j, j.iface4, j.cidr4);
    await addAddress(lab.n4, n4.iface, n4.cidr4);

    // n6: pool6 (where all of IPv4 lives) via j, and a default route via j as well.
    await addRoute(lab.n6, pool6, j.addr6);
    await addRoute(lab.n6, 'default', j.addr6, {dev: n6.iface});
    // n4: the IPv4 addresses of the IPv6 side (192.0.2.0/24) via j.
    await addRoute(lab.n4, '192.0.2.0/24', j.addr4);

    if (staticNeighbours) {
      const [mN6, mJ6, mJ4, mN4] = await Promise.all([
        macOf(lab.n6, n6.iface),
        macOf(lab.j, j.iface6),
        macOf(lab.j, j.iface4),
        macOf(lab.n4, n4.iface),
      ]);
      await addNeighbour(lab.n6, n6.iface, j.addr6, mJ6);
      await addNeighbour(lab.j, j.iface6, n6.addr6, mN6);
      await addNeighbour(lab.j, j.iface4, n4.addr4, mN4);
      await addNeighbour(lab.n4, n4.iface, j.addr4, mJ4);
    }
    return lab;
  } catch (err) {
    await lab.destroy();
    throw err;
  }
}

// Command-line use (scripts/lab.sh).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [verb, prefix] = process.argv.slice(2);
  if (!['up', 'down'].includes(verb) || !prefix) {
    console.error('usage: node test/helpers/topology.mjs up|down PREFIX');
    process.exit(2);
  }
  if (verb === 'up') {
    const lab = await createSiitLab({prefix, register: false});
    const out = {
      N6: lab.n6,
      J: lab.j,
      N4: lab.n4,
      POOL6: ADDR.pool6,
      N6_ADDR6: ADDR.n6.addr6,
      N4_ADDR4: ADDR.n4.addr4,
      N4_AS6: ADDR.n4As6,
      N6_AS4: ADDR.n6As4,
    };
    for (const [k, v] of Object.entries(out)) console.log(`${k}=${v}`);
  } else {
    for (const role of ['n6', 'j', 'n4']) await deleteNamespace(`${prefix}-${role}`);
  }
}
