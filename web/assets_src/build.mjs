// Bundle the studio's browser code with esbuild: `npm run build`.
//
// Output goes to web/static/build/ (not committed); Flask serves it as
// /static/build/<name>. Pass --watch to rebuild on every change.
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const options = {
  entryPoints: {
    "studio-modeler": join(here, "studio-modeler.js"),
    "form-editor": join(here, "form-editor.js"),
  },
  outdir: join(here, "..", "static", "build"),
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "iife",
  target: ["es2020"],
  logLevel: "warning",
  loader: {
    ".woff": "file",
    ".woff2": "file",
    ".ttf": "file",
    ".eot": "file",
    ".svg": "file",
    ".png": "file",
  },
  assetNames: "assets/[name]-[hash]",
  define: { "process.env.NODE_ENV": '"production"' },
  // One Preact for the whole bundle: form-js-editor pins an older copy of its
  // own, and its hooks then run against the properties panel's Preact
  // ("Cannot read properties of null (reading 'context')").
  alias: { preact: dirname(require.resolve("preact/package.json")) },
  plugins: [bpmnlintRules()],
};

/**
 * The virtual module "bpmnlint-rules": a static cache for bpmnlint's
 * resolver holding every rule and config bpmnlint ships, so the canvas
 * lints with the rules of the installed bpmnlint under any configuration
 * that extends its own (as processes/.bpmnlintrc does).
 */
function bpmnlintRules() {
  return {
    name: "bpmnlint-rules",
    setup(build) {
      build.onResolve({ filter: /^bpmnlint-rules$/ }, (args) => ({
        path: args.path,
        namespace: "bpmnlint-rules",
      }));
      build.onLoad({ filter: /.*/, namespace: "bpmnlint-rules" }, async () => ({
        contents: await rulesSource(),
        resolveDir: here,
        loader: "js",
      }));
    },
  };
}

async function moduleNames(folder) {
  const files = await readdir(folder);
  return files
    .filter((file) => file.endsWith(".js") && file !== "helper.js")
    .map((file) => file.replace(/\.js$/, ""))
    .sort();
}

async function rulesSource() {
  const root = dirname(require.resolve("bpmnlint/package.json"));
  const kinds = {
    rule: await moduleNames(join(root, "rules")),
    config: await moduleNames(join(root, "config")),
  };
  const missing = Object.keys(require("bpmnlint/config/recommended").rules)
    .filter((name) => !kinds.rule.includes(name));
  if (missing.length) {
    throw new Error(`bpmnlint has no rule module for: ${missing.join(", ")}`);
  }
  const imports = [];
  const entries = [];
  for (const [kind, names] of Object.entries(kinds)) {
    const folder = kind === "rule" ? "rules" : "config";
    names.forEach((name, i) => {
      imports.push(`import ${kind}${i} from "bpmnlint/${folder}/${name}";`);
      entries.push(`  "${kind}:bpmnlint/${name}": ${kind}${i},`);
    });
  }
  return [...imports, "export const cache = {", ...entries, "};"].join("\n");
}

if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log("Watching web/assets_src for changes.");
} else {
  await esbuild.build(options);
}
