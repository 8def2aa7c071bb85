/**
 * A small JSON Schema checker for the subset /openapi.json uses, so the tests can hold real
 * responses to the document. It refuses any keyword it does not know: a schema cannot quietly use
 * a keyword that this checker would ignore.
 */

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['description', 'title', 'format', 'contentMediaType', 'contentEncoding', 'examples', 'default']);
const KNOWN = new Set([
  ...ANNOTATIONS,
  '$ref',
  'type',
  'properties',
  'patternProperties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'minLength',
  'pattern',
  'oneOf',
]);

export class SchemaChecker {
  constructor(private readonly document: Schema) {}

  /** Problems with `value` against `schema`, as "path: what" lines (empty: it conforms). */
  check(schema: Schema, value: unknown, at = '$'): string[] {
    for (const key of Object.keys(schema)) if (!KNOWN.has(key)) throw new Error(`schema at ${at} uses "${key}", which the checker does not implement`);
    if (typeof schema.$ref === 'string') return this.check(this.resolve(schema.$ref), value, at);
    const problems: string[] = [];
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
      if (!types.some((t) => hasType(value, t))) return [`${at}: expected ${types.join(' or ')}, got ${describe(value)}`];
    }
    if ('const' in schema && value !== schema.const) problems.push(`${at}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
    if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
    if (typeof value === 'number') {
      if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${at}: ${value} < minimum ${schema.minimum}`);
      if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push(`${at}: ${value} > maximum ${schema.maximum}`);
    }
    if (typeof value === 'string') {
      if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) problems.push(`${at}: "${value.slice(0, 80)}" does not match ${schema.pattern}`);
    }
    if (Array.isArray(value)) {
      if (typeof schema.minItems === 'number' && value.length < schema.minItems) problems.push(`${at}: fewer than ${schema.minItems} items`);
      if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) problems.push(`${at}: more than ${schema.maxItems} items`);
      if (schema.items) value.forEach((item, i) => problems.push(...this.check(schema.items as Schema, item, `${at}[${i}]`)));
    }
    if (isObject(value)) {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const patterns = Object.entries((schema.patternProperties ?? {}) as Record<string, Schema>);
      for (const name of (schema.required ?? []) as string[]) if (!(name in value)) problems.push(`${at}: missing required "${name}"`);
      for (const [name, item] of Object.entries(value)) {
        const where = `${at}.${name}`;
        if (properties[name]) {
          problems.push(...this.check(properties[name], item, where));
          continue;
        }
        const matching = patterns.filter(([pattern]) => new RegExp(pattern, 'u').test(name));
        if (matching.length) {
          for (const [, sub] of matching) problems.push(...this.check(sub, item, where));
          continue;
        }
        if (schema.additionalProperties === false) problems.push(`${where}: not allowed (additionalProperties: false)`);
        else if (isObject(schema.additionalProperties)) problems.push(...this.check(schema.additionalProperties, item, where));
      }
    }
    if (Array.isArray(schema.oneOf)) {
      const passing = (schema.oneOf as Schema[]).filter((s) => this.check(s, value, at).length === 0).length;
      if (passing !== 1) problems.push(`${at}: matches ${passing} of the oneOf schemas, not exactly one`);
    }
    return problems;
  }

  /** Problems with a schema itself: unknown keywords, $refs that point at nothing (walked whole). */
  lint(schema: Schema, at = '$', seen = new Set<Schema>()): string[] {
    if (seen.has(schema)) return [];
    seen.add(schema);
    const problems = Object.keys(schema)
      .filter((k) => !KNOWN.has(k))
      .map((k) => `${at}: unknown keyword "${k}"`);
    if (typeof schema.$ref === 'string') {
      try {
        problems.push(...this.lint(this.resolve(schema.$ref), schema.$ref, seen));
      } catch (err) {
        problems.push(`${at}: ${(err as Error).message}`);
      }
    }
    for (const key of ['properties', 'patternProperties'] as const) {
      for (const [name, sub] of Object.entries((schema[key] ?? {}) as Record<string, Schema>)) problems.push(...this.lint(sub, `${at}.${name}`, seen));
    }
    if (isObject(schema.items)) problems.push(...this.lint(schema.items, `${at}[]`, seen));
    if (isObject(schema.additionalProperties)) problems.push(...this.lint(schema.additionalProperties, `${at}.*`, seen));
    if (Array.isArray(schema.oneOf)) (schema.oneOf as Schema[]).forEach((s, i) => problems.push(...this.lint(s, `${at}.oneOf[${i}]`, seen)));
    return problems;
  }

  resolve(ref: string): Schema {
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
    let node: unknown = this.document;
    for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (!isObject(node)) throw new Error(`$ref ${ref} points at nothing`);
    return node;
  }

  /**
   * Problems with a response to `method path` (the document's path template) with `status` and
   * `contentType`: the status and media type must be documented there, and a JSON body must conform.
   */
  checkResponse(method: string, pathTemplate: string, status: number, contentType: string, body: unknown): string[] {
    const paths = this.document.paths as Record<string, Record<string, Schema>>;
    const operation = paths[pathTemplate]?.[method.toLowerCase()];
    if (!operation) return [`${method} ${pathTemplate} is not in the document`];
    const response = (operation.responses as Record<string, Schema>)[String(status)];
    if (!response) return [`${method} ${pathTemplate} does not document status ${status}`];
    const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
    const content = (response.content ?? {}) as Record<string, Schema>;
    const entry = content[mediaType];
    if (!entry) return [`${method} ${pathTemplate} ${status} does not document ${mediaType} (documents ${Object.keys(content).join(', ')})`];
    if (mediaType !== 'application/json') return [];
    return this.check(entry.schema as Schema, body);
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      throw new Error(`unknown type "${type}"`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
