// The import rules of DESIGN.md as one ESLint rule: each process folder may import `shared/`
// and itself, never another process folder; `shared/` runs everywhere, so it may use no Node,
// DOM or Electron API; the renderer is untrusted, so it may use no Node or Electron API.
import { builtinModules } from 'node:module';
import path from 'node:path';

const LAYERS = ['main', 'renderer', 'worker', 'shared'];

/** Which top-level folders each layer may import from. */
const ALLOWED_LAYERS = {
  main: ['main', 'shared'],
  worker: ['worker', 'shared'],
  renderer: ['renderer', 'shared'],
  shared: ['shared'],
};

/**
 * Inside main/, dependencies point down: domain modules (trading, history, models...) build on
 * main/api/ (handler types, fanouts) and never on main/host/, the composition root that wires
 * them together. Only these roots may import main/host/.
 */
const HOST_IMPORTERS = ['host', 'electron', 'cli', 'transport', 'serve.ts', 'cli.ts'];

/** The folder (or file) directly under main/ that holds `absolutePath`, or null outside main/. */
function mainModuleOf(root, absolutePath) {
  const parts = path.relative(root, absolutePath).split(path.sep);
  return parts[0] === 'main' && parts.length > 1 ? parts[1] : null;
}

const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const NODE_ONLY_PACKAGES = [
  'better-sqlite3',
  'ws',
  'ccxt',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
];

/** Bare packages each layer may not import, with the reason shown in the lint message. */
function forbiddenPackage(layer, specifier) {
  const isBuiltin = NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split('/')[0]);
  const is = (name) => specifier === name || specifier.startsWith(`${name}/`);
  if (layer === 'shared') {
    if (isBuiltin) return 'shared/ must run in every process: no Node built-ins';
    if (is('electron')) return 'shared/ must run in every process: no Electron';
    if (NODE_ONLY_PACKAGES.some(is)) return 'shared/ must run in every process: no Node-only packages';
    if (is('react') || is('react-dom') || is('plotly.js'))
      return 'shared/ must run in every process: no DOM libraries';
  }
  if (layer === 'renderer') {
    if (isBuiltin) return 'the renderer is untrusted: no Node built-ins';
    if (is('electron')) return 'the renderer is untrusted: no Electron (use the API client)';
    if (NODE_ONLY_PACKAGES.some(is)) return 'the renderer is untrusted: no Node-only packages';
  }
  if (layer === 'worker' && is('electron')) return 'workers run under plain Node: no Electron';
  return null;
}

function layerOf(root, absolutePath) {
  const relative = path.relative(root, absolutePath);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
  const top = relative.split(path.sep)[0];
  return LAYERS.includes(top) ? top : null;
}

/** @type {import('eslint').Rule.RuleModule} */
export const processBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce which process folder may import which (DESIGN.md, import rules).' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: {
      crossLayer: '{{from}}/ may not import from {{to}}/: only shared/ is common ground between processes.',
      upward:
        'main/{{from}}/ may not import main/host/: domain modules depend on main/api/, only the composition roots wire them in main/host/.',
      forbiddenPackage: "'{{specifier}}' is not allowed here: {{reason}}.",
    },
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd;
    const filename = context.filename;
    const layer = layerOf(root, filename);
    if (layer === null) return {};

    function check(node, specifier) {
      if (typeof specifier !== 'string') return;
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const resolved = path.resolve(path.dirname(filename), specifier);
        const target = layerOf(root, resolved);
        if (target !== null && !ALLOWED_LAYERS[layer].includes(target)) {
          context.report({ node, messageId: 'crossLayer', data: { from: layer, to: target } });
        }
        const from = mainModuleOf(root, filename);
        if (from !== null && mainModuleOf(root, resolved) === 'host' && !HOST_IMPORTERS.includes(from)) {
          context.report({ node, messageId: 'upward', data: { from } });
        }
        return;
      }
      const reason = forbiddenPackage(layer, specifier);
      if (reason !== null)
        context.report({ node, messageId: 'forbiddenPackage', data: { specifier, reason } });
    }

    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};

/** @type {import('eslint').ESLint.Plugin} */
export const boundariesPlugin = { rules: { 'process-boundaries': processBoundaries } };
