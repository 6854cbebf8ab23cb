// Parse a Mermaid flowchart with Mermaid's own parser; print its nodes, subgraphs and edges
// as JSON. A manual check (not run by the test suite, which works offline): in a folder where
// `npm install mermaid jsdom` was run, `node mermaid_parse.mjs diagram.mmd`.
import fs from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
const source = fs.readFileSync(process.argv[2], "utf8");
try {
  await mermaid.parse(source);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(source);
  const db = diagram.db;
  const vertices = db.getVertices();
  const nodes = (vertices instanceof Map ? [...vertices.values()] : Object.values(vertices))
    .map((v) => ({ id: v.id, text: v.text, classes: v.classes || [] }));
  const subgraphs = db.getSubGraphs().map((s) => ({ id: s.id, title: s.title, nodes: s.nodes }));
  console.log(JSON.stringify({ nodes, subgraphs, edges: db.getEdges().length }));
} catch (error) {
  console.log(`mermaid could not parse: ${error.message}`);
  process.exit(1);
}
