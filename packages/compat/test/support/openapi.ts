/**
 * WorkOS's published OpenAPI document (@workos/openapi-spec) as an outside oracle: every JSON
 * response Portico sends during the compat suite is validated against the schema WorkOS
 * declares for that path, method and status.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const specPath = join(dirname(require.resolve('@workos/openapi-spec/package.json')), 'open-api-spec.yaml');

type Json = Record<string, unknown>;
const spec = parse(readFileSync(specPath, 'utf8')) as {
  paths: Record<string, Record<string, Json>>;
  components: Json;
};

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `workos${v}` : rewriteRefs(v);
    }
    return out;
  }
  return node;
}

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
// biome-ignore lint/suspicious/noExplicitAny: same for ajv-formats
((addFormats as any).default ?? addFormats)(ajv);
ajv.addSchema({ $id: 'workos', components: rewriteRefs(spec.components) } as Json);

const templates = Object.keys(spec.paths)
  .map((t) => ({
    template: t,
    params: (t.match(/\{/g) ?? []).length,
    re: new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }))
  .sort((a, b) => a.params - b.params);

export interface Recorded {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

export interface Verdict {
  checked: boolean;
  errors: string[];
  template?: string;
}

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

export function checkAgainstSpec(r: Recorded): Verdict {
  const t = templates.find((x) => x.re.test(r.path));
  if (!t) return { checked: false, errors: [] };
  const op = spec.paths[t.template]?.[r.method.toLowerCase()] as Json | undefined;
  const responses = (op?.responses ?? {}) as Record<string, Json>;
  const resp = responses[String(r.status)] ?? responses[`${String(r.status)[0]}XX`];
  const schema = ((resp?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema;
  if (!schema) return { checked: false, errors: [], template: t.template };
  const key = `${r.method} ${t.template} ${r.status}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(rewriteRefs(schema) as Json);
    compiled.set(key, validate);
  }
  const ok = validate(r.body);
  return {
    checked: true,
    template: t.template,
    errors: ok
      ? []
      : (validate.errors ?? []).map(
          (e: ErrorObject) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
        ),
  };
}
