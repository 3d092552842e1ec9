// Compiles contracts/src/**/*.sol and contracts/test/**/*.sol with the pinned solc (standard-JSON, JS API) into
// contracts/out/<Name>.json = { abi, bytecode, deployedBytecode }. Usage: node build.mjs
// The solc CLI prints a warning line before its JSON and piped output is cut at 64 KiB, so the JS API is used.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { writeBindings } from './bindings.mjs';

const require = createRequire(import.meta.url);
const solc = require('solc');
const root = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(root, 'out');

// Pinned: the EVM version every supported chain (anvil's default included) runs.
const EVM_VERSION = 'cancun';

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.name.endsWith('.sol') ? [p] : [];
  });
}

const files = [...walk(path.join(root, 'src')), ...walk(path.join(root, 'test'))].sort();
const sources = {};
for (const f of files) sources[path.relative(root, f).split(path.sep).join('/')] = { content: fs.readFileSync(f, 'utf8') };

const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: EVM_VERSION,
    optimizer: { enabled: true, runs: 1000 },
    metadata: { bytecodeHash: 'none' },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};

function findImports(importPath) {
  const candidates = [path.join(root, importPath), path.join(root, 'node_modules', importPath)];
  for (const c of candidates) if (fs.existsSync(c)) return { contents: fs.readFileSync(c, 'utf8') };
  return { error: `not found: ${importPath}` };
}

const result = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
let failed = false;
for (const e of result.errors ?? []) {
  if (e.severity === 'error') failed = true;
  const ours = (e.sourceLocation?.file ?? '').match(/^(src|test)\//);
  if (e.severity === 'error' || ours) console.error(e.formattedMessage ?? e.message);
}
if (failed) process.exit(1);

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
let count = 0;
for (const [file, contracts] of Object.entries(result.contracts)) {
  if (!file.startsWith('src/') && !file.startsWith('test/')) continue; // skip OpenZeppelin's own contracts
  for (const [name, c] of Object.entries(contracts)) {
    const bytecode = c.evm.bytecode.object;
    if (!bytecode) continue; // interfaces and abstract contracts
    const json = { contractName: name, sourceName: file, compiler: solc.version(), evmVersion: EVM_VERSION,
      abi: c.abi, bytecode: '0x' + bytecode, deployedBytecode: '0x' + c.evm.deployedBytecode.object };
    fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(json, null, 1) + '\n');
    count++;
  }
}
const bindings = writeBindings(root, out);
console.error(`contracts: ${bindings} C# binding files updated`);
console.error(`contracts: compiled ${files.length} files into ${count} artifacts (solc ${solc.version()}, ${EVM_VERSION})`);
