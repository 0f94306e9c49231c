// Bundles src/index.ts into the one file the integration serves; `--check` fails when the
// committed bundle differs from a fresh build (scripts/test runs it).
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outfile = resolve(here, "../custom_components/stepheybot_music/frontend/stepheybot-music-card.js");

const result = await build({
  entryPoints: [resolve(here, "src/index.ts")],
  bundle: true,
  format: "esm",
  target: "es2021",
  minify: true,
  legalComments: "none",
  write: false,
  absWorkingDir: here,
  logLevel: "warning",
});
const fresh = result.outputFiles[0].text;

if (process.argv.includes("--check")) {
  let shipped = "";
  try {
    shipped = readFileSync(outfile, "utf8");
  } catch {
    shipped = "";
  }
  if (shipped !== fresh) {
    console.error(
      `${outfile} is not the build of card/src: run \`npm run build\` in card/ and commit the bundle`,
    );
    process.exit(1);
  }
  console.log(`card bundle is current (${fresh.length} bytes)`);
} else {
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, fresh);
  console.log(`wrote ${outfile} (${fresh.length} bytes)`);
}
