// Package the extension for users: dist/bargain-witness-chromium-<version>.zip (Chrome, Edge, 360,
// QQ browser) and dist/bargain-witness-firefox-<version>.zip, with web-ext build. One source tree
// (extension/) serves both browsers while developing; each package's manifest keeps only what its
// browser reads, so neither shows "unrecognized key" warnings (README, "安装扩展包"):
//   Chromium: background.service_worker only (no background.scripts, no browser_specific_settings)
//   Firefox:  background.scripts only (no service_worker, no minimum_chrome_version), and no
//             "pageCapture" permission (Firefox has none: lib/pagesource.js saves the DOM instead)
// Run with `npm run build`; tests/test_extension_build.py checks the zips.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import webExt from "web-ext";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = join(ROOT, "extension");
const DIST = join(ROOT, "dist");
const STAGE = join(ROOT, "build", "extension");

const manifest = JSON.parse(readFileSync(join(SOURCE, "manifest.json"), "utf8"));

const TARGETS = {
  chromium(m) {
    delete m.background.scripts;
    delete m.browser_specific_settings;
    return m;
  },
  firefox(m) {
    delete m.background.service_worker;
    delete m.minimum_chrome_version;
    m.permissions = m.permissions.filter((p) => p !== "pageCapture");
    return m;
  },
};

mkdirSync(DIST, { recursive: true });
for (const [target, shape] of Object.entries(TARGETS)) {
  const dir = join(STAGE, target);
  rmSync(dir, { recursive: true, force: true });
  cpSync(SOURCE, dir, { recursive: true });
  writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(shape(structuredClone(manifest)), null, 2)}\n`);
  const filename = `bargain-witness-${target}-${manifest.version}.zip`;
  await webExt.cmd.build(
    { sourceDir: dir, artifactsDir: DIST, filename, overwriteDest: true },
    { shouldExitProgram: false },
  );
  console.log(`dist/${filename}`);
}
