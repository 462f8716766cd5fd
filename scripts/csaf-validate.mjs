// Validates every `*.json` file in a directory with an independent CSAF 2.0
// validator: the BSI's @secvisogram/csaf-validator-lib (npm), its strict
// schema test (no properties beyond the schema's) and all its mandatory
// tests (§6.1). Exits 1 naming each failing file, test and JSON pointer;
// exits 2 on bad usage. Bulwark's own validator (`csaf::validate`) is the
// one the server uses; this checks it and our writers from outside.
//
//   node scripts/csaf-validate.mjs DIR
//
// CSAF_VALIDATOR_LIB names the installed package's directory, e.g. after
// `npm install --prefix "$TMP" @secvisogram/csaf-validator-lib`:
// CSAF_VALIDATOR_LIB="$TMP/node_modules/@secvisogram/csaf-validator-lib".
// `.ci/run` runs it over the documents the ignored test
// `csaf_out::write_documents` writes.

import { readdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const [dir] = process.argv.slice(2)
const lib = process.env.CSAF_VALIDATOR_LIB
if (!dir || !lib) {
  console.error('usage: CSAF_VALIDATOR_LIB=DIR node scripts/csaf-validate.mjs DOCUMENTS_DIR')
  process.exit(2)
}

const load = (file) => import(pathToFileURL(join(resolve(lib), file)).href)
const validateStrict = (await load('validateStrict.js')).default
const mandatory = await load('mandatoryTests.js')
const { csaf_2_0_strict } = await load('schemaTests.js')
const tests = [csaf_2_0_strict, ...Object.values(mandatory)]

const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()
if (files.length === 0) {
  console.error(`no *.json files in ${dir}`)
  process.exit(2)
}

let failed = 0
for (const file of files) {
  const path = join(dir, file)
  let doc
  try {
    doc = JSON.parse(await readFile(path, 'utf8'))
  } catch (e) {
    console.log(`${path}: not JSON: ${e.message}`)
    failed += 1
    continue
  }
  const result = await validateStrict(tests, doc)
  if (result.isValid) {
    console.log(`${path}: valid (${tests.length} tests)`)
    continue
  }
  failed += 1
  for (const t of result.tests.filter((t) => !t.isValid)) {
    for (const e of t.errors) {
      console.log(`${path}: ${t.name} at ${e.instancePath || '/'}: ${e.message}`)
    }
    if (t.errors.length === 0) console.log(`${path}: ${t.name} failed`)
  }
}
console.log(`${files.length - failed} of ${files.length} documents valid`)
process.exit(failed === 0 ? 0 : 1)
