/**
 * Checks a configuration document against schema/config.schema.json with the
 * validator ajv compiled at build time (dist/config/standalone.js, made by
 * scripts/build-schema.mjs): nothing is compiled at run time, and the module
 * is loaded only by the commands that read a file.
 *
 * Every error is reported at once, each as "/pool4/2/prefix: <what is
 * wrong>", the JSON pointer of the offending value.
 */
import {XlatError} from '../errors.js';

export type Translator = 'SIIT' | 'NAT64';

/** An error ajv reports (the fields used here). */
interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

interface StandaloneValidator {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}

interface StandaloneModule {
  validateSiit: StandaloneValidator;
  validateNat64: StandaloneValidator;
}

/** What a value of each named definition must be, in words (for anyOf and pattern failures). */
const PHRASES: Record<string, string> = {
  bool: 'must be true or false (also yes/no, on/off, 1/0)',
  duration: 'must be seconds, or a string [[HH:]MM:]SS[.mmm] such as "0:05:00"',
  prefix4: 'must be an IPv4 prefix such as "192.0.2.0/24" (a bare address is a /32)',
  prefix6: 'must be an IPv6 prefix such as "2001:db8::/96" (a bare address is a /128)',
  'prefix6-or-null': 'must be an IPv6 prefix such as "64:ff9b::/96", or null',
  'prefix4-or-null': 'must be an IPv4 prefix such as "192.0.2.0/24", or null',
  protocol: 'must be "TCP", "UDP" or "ICMP"',
  taddr4: 'must be an IPv4 transport address such as "192.0.2.1#80"',
  taddr6: 'must be an IPv6 transport address such as "2001:db8::1#80"',
  'instance-name': 'must be 1 to 15 printable ASCII characters',
  ifname: 'must be an interface name (1 to 15 characters, no /, : or blank)',
};

/** The innermost $defs name a schema path goes through ("#/$defs/bool/anyOf" -> "bool"). */
function defName(schemaPath: string): string | null {
  const m = /#\/\$defs\/([^/]+)\/(?:anyOf|pattern|type|enum)$/.exec(schemaPath);
  return m ? m[1] : null;
}

/** JSON pointer segments decoded ("ipv6 prefix" stays readable). */
function where(instancePath: string): string {
  return instancePath === '' ? '/' : instancePath.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** One line per wrong value: the branches of a failed anyOf are folded into one phrase. */
export function formatAjvErrors(errors: readonly AjvError[]): string[] {
  const out: string[] = [];
  const folded = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'anyOf') folded.add(`${e.instancePath}\u0000${e.schemaPath.replace(/\/anyOf$/, '')}`);
  }
  const isFolded = (e: AjvError) =>
    e.keyword !== 'anyOf' &&
    [...folded].some((f) => {
      const [path, schema] = f.split('\u0000');
      return e.instancePath === path && e.schemaPath.startsWith(`${schema}/anyOf/`);
    });
  for (const e of errors) {
    if (isFolded(e)) continue;
    const at = where(e.instancePath);
    const def = defName(e.schemaPath);
    let text: string;
    switch (e.keyword) {
      case 'additionalProperties':
        text = `${at === '/' ? '' : at}/${String(e.params.additionalProperty)}: unknown key`;
        break;
      case 'required':
        text = `${at}: missing key "${String(e.params.missingProperty)}"`;
        break;
      case 'enum':
        text = `${at}: must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'anyOf':
      case 'pattern':
        text = `${at}: ${(def && PHRASES[def]) ?? e.message ?? 'is not valid'}`;
        break;
      default:
        text = `${at}: ${(def && e.keyword === 'type' && PHRASES[def]) || e.message || 'is not valid'}`;
    }
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

/** Jool matches keys without regard to case: so does xlat (keys are lowered before validation). */
export function lowerKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), lowerKeys(v)]));
  }
  return value;
}

let loaded: Promise<StandaloneModule> | null = null;

function standalone(): Promise<StandaloneModule> {
  loaded ??= import(new URL('./standalone.js', import.meta.url).href).then(
    (m: unknown) => m as StandaloneModule,
    () => {
      throw new XlatError('dist/config/standalone.js is missing: run `npm run build` (it compiles the configuration schema)');
    },
  );
  return loaded;
}

/** The schema errors of a document (already key-lowered), as lines; empty when it is valid. */
export async function schemaErrors(type: Translator, doc: unknown): Promise<string[]> {
  const m = await standalone();
  const validate = type === 'SIIT' ? m.validateSiit : m.validateNat64;
  if (validate(doc)) return [];
  return formatAjvErrors(validate.errors ?? []);
}
