// Runs extension/lib/pagekey.js's pageIdentity on every case of a fixture file and prints, as
// JSON, [{url, identity}] with identity null where it threw (Python's ValueError). Used by
// tests/test_pagekey.py, which compares the output with the fixture (and with Python).
import { readFileSync } from "node:fs";
import { pageIdentity } from "../../extension/lib/pagekey.js";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = cases.map(({ url }) => {
  try {
    return { url, identity: pageIdentity(url) };
  } catch (err) {
    return { url, identity: null, error: err.message };
  }
});
process.stdout.write(JSON.stringify(results));
