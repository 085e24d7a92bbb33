// Harvest a Linked Data Event Stream with ldes-client (npm, TREEcg/rdf-connect; installed by `npm ci`) and
// print one JSON line per member: its IRI, timestamp, version-of and quads, every term spelled out.
//
// Why not the `ldes-client` command's own output: it writes N-Quads with Turtle's shorthand for numbers
// and booleans (`... false <g> .`), which no N-Quads parser reads. The library is the same client.
//
// usage: node ldes_harvest.mjs URL [--ordered ascending|descending|none] [--last-version-only]
import { intoConfig, replicateLDES } from "ldes-client";

const args = process.argv.slice(2);
const url = args[0];
const ordered = args.includes("--ordered") ? args[args.indexOf("--ordered") + 1] : "none";

function term(t) {
  const out = { type: t.termType, value: t.value };
  if (t.termType === "Literal") {
    out.datatype = t.datatype.value;
    out.language = t.language || null;
  }
  return out;
}

const t0 = Date.now();
const client = replicateLDES(intoConfig({ url, lastVersionOnly: args.includes("--last-version-only") }), ordered);
client.on("error", (e) => {
  console.error("ldes-client error", e);
  process.exitCode = 1;
});
const reader = client.stream({ highWaterMark: 10 }).getReader();
let count = 0;
for (;;) {
  const { value, done } = await reader.read();
  if (value) {
    count += 1;
    process.stdout.write(JSON.stringify({
      id: value.id.value,
      timestamp: value.timestamp instanceof Date ? value.timestamp.toISOString() : null,
      isVersionOf: value.isVersionOf ?? null,
      quads: value.quads.map((q) => [term(q.subject), term(q.predicate), term(q.object), term(q.graph)]),
    }) + "\n");
  }
  if (done) break;
}
console.error(JSON.stringify({ members: count, fragments: client.fragmentCount, ms: Date.now() - t0 }));
