// Copies the pinned npm assets into the Python package's static/vendor (served by the app:
// nothing is fetched from a CDN at run time).
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "src", "fraud_dashboard", "static", "vendor");
mkdirSync(target, { recursive: true });
const assets = [
  ["world-atlas/countries-110m.json", "countries-110m.json"],
  ["topojson-client/dist/topojson-client.min.js", "topojson-client.min.js"],
];
for (const [source, name] of assets) {
  copyFileSync(join(here, "node_modules", source), join(target, name));
  console.log(`vendor/${name} <- ${source}`);
}
