#!/usr/bin/env node
/**
 * Generate the TypeScript types of the wire contract from its JSON Schemas.
 *
 *   node scripts/gen-types.mjs [--out DIR]     (npm run gen:types)
 *
 * Reads server-ext/jupyter_workbench/schemas/*.json and writes one module per schema
 * (default: packages/services/src/schema/), formatted with the repository's prettier
 * settings. `make lint` regenerates into a temporary folder and fails when the committed
 * modules differ.
 *
 * Each type is declared once, in the module of the schema that defines it: a `$ref` to
 * a titled schema of another file becomes an import of that type; a `$ref` to an untitled
 * part of another file (e.g. `backend-info.json#/properties/url`) is inlined.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { compile } from 'json-schema-to-typescript';
import prettier from 'prettier';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMAS = path.join(ROOT, 'server-ext', 'jupyter_workbench', 'schemas');
const DEFAULT_OUT = path.join(ROOT, 'packages', 'services', 'src', 'schema');

/** Every schema, by file name. */
function loadSchemas() {
  const schemas = new Map();
  for (const file of fs.readdirSync(SCHEMAS).sort()) {
    if (file.endsWith('.json')) {
      schemas.set(
        file,
        JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), 'utf8'))
      );
    }
  }
  return schemas;
}

/** The node at JSON pointer `pointer` (`/definitions/X`) of `doc`. */
function resolvePointer(doc, pointer, where) {
  let node = doc;
  for (const raw of pointer.split('/').filter(Boolean)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) {
      throw new Error(`${where}: cannot resolve ${pointer}`);
    }
    node = node[key];
  }
  return node;
}

/**
 * A copy of `node` (part of schema file `file`) ready for json-schema-to-typescript:
 * references to other files become `tsType` imports (collected in `imports`) or inlined
 * parts; local `#/…` references stay when `local` (the node is in its own file), else they
 * are references to another file and are treated as such.
 */
function rewrite(node, file, schemas, imports, local) {
  if (Array.isArray(node)) {
    return node.map(item => rewrite(item, file, schemas, imports, local));
  }
  if (node === null || typeof node !== 'object') {
    return node;
  }
  if (typeof node.$ref === 'string') {
    const [target, pointer = ''] = node.$ref.split('#');
    const targetFile = target || file;
    if (local && targetFile === file) {
      return { ...node };
    }
    const doc = schemas.get(targetFile);
    if (!doc) {
      throw new Error(`${file}: unknown schema ${node.$ref}`);
    }
    const part = resolvePointer(doc, pointer, file);
    if (part.title) {
      const module = './' + targetFile.replace(/\.json$/, '');
      if (!imports.has(module)) {
        imports.set(module, new Set());
      }
      imports.get(module).add(part.title);
      return { tsType: part.title };
    }
    return rewrite(part, targetFile, schemas, imports, false);
  }
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = rewrite(value, file, schemas, imports, local);
  }
  return out;
}

/**
 * The keys every value of `schema` has: its `required`, or those all the branches of its
 * `oneOf` require.
 */
function requiredKeys(schema, doc) {
  if (schema.$ref) {
    return requiredKeys(
      resolvePointer(doc, schema.$ref.split('#')[1], ''),
      doc
    );
  }
  if (schema.required) {
    return [...schema.required];
  }
  if (schema.oneOf) {
    const [first, ...rest] = schema.oneOf.map(branch =>
      requiredKeys(branch, doc)
    );
    return first.filter(key => rest.every(keys => keys.includes(key)));
  }
  return [];
}

/** The TypeScript module of schema `file`, formatted. */
async function generate(file, schemas) {
  const imports = new Map();
  const schema = rewrite(schemas.get(file), file, schemas, imports, true);
  const body = await compile(schema, schema.title, {
    bannerComment: '',
    cwd: SCHEMAS,
    declareExternallyReferenced: true,
    unreachableDefinitions: true,
    format: false,
    strictIndexSignatures: false,
    additionalProperties: true
  });
  const lines = [
    '/*',
    ` * Generated from server-ext/jupyter_workbench/schemas/${file}`,
    ' * by scripts/gen-types.mjs (npm run gen:types). Do not edit: change the schema.',
    ' */',
    ''
  ];
  for (const [module, names] of [...imports].sort()) {
    lines.push(
      `import type { ${[...names].sort().join(', ')} } from '${module}';`
    );
  }
  if (imports.size) {
    lines.push('');
  }
  const target = path.join(DEFAULT_OUT, file.replace(/\.json$/, '.ts'));
  const options = (await prettier.resolveConfig(target)) ?? {};
  return prettier.format(lines.join('\n') + '\n' + body, {
    ...options,
    filepath: target
  });
}

async function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const out = at >= 0 ? path.resolve(args[at + 1]) : DEFAULT_OUT;
  const schemas = loadSchemas();
  fs.mkdirSync(out, { recursive: true });
  const modules = [];
  for (const file of schemas.keys()) {
    const name = file.replace(/\.json$/, '');
    fs.writeFileSync(
      path.join(out, `${name}.ts`),
      await generate(file, schemas)
    );
    modules.push(name);
  }
  const index = [
    '/*',
    ' * Generated by scripts/gen-types.mjs (npm run gen:types). Do not edit.',
    ' */',
    '',
    ...modules.map(
      name =>
        `import type { ${schemas.get(name + '.json').title} } from './${name}';`
    ),
    '',
    ...modules.map(name => `export type * from './${name}';`),
    '',
    '/**',
    ' * The type of each payload of the wire contract, by schema name.',
    ' */',
    'export interface IWirePayloads {',
    ...modules.map(
      name => `  '${name}': ${schemas.get(name + '.json').title};`
    ),
    '}',
    '',
    '/**',
    ' * The top-level keys each payload must have (from its schema): a cheap runtime check',
    ' * of what the server answered.',
    ' */',
    'export const REQUIRED_KEYS: {',
    '  readonly [K in keyof IWirePayloads]: readonly string[];',
    '} = {',
    ...modules.map(
      name =>
        `  '${name}': ${JSON.stringify(requiredKeys(schemas.get(name + '.json'), schemas.get(name + '.json')))},`
    ),
    '};'
  ].join('\n');
  const options =
    (await prettier.resolveConfig(path.join(DEFAULT_OUT, 'index.ts'))) ?? {};
  fs.writeFileSync(
    path.join(out, 'index.ts'),
    await prettier.format(index + '\n', {
      ...options,
      filepath: path.join(DEFAULT_OUT, 'index.ts')
    })
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
