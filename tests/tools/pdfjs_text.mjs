// Prints a PDF's text as pdf.js (Firefox's reader) reads it: for each page, the text items
// of getTextContent() in their order ("items"), and the text in the order of the page's
// structure tree, which pdf.js gives screen readers ("tagged"). One JSON array on stdout.
// Usage: node tests/tools/pdfjs_text.mjs FILE.pdf
import { readFile } from "node:fs/promises";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

function structText(node, marked, out) {
  if (node.type === "content") {
    out.push(marked.get(node.id) ?? "");
  }
  for (const child of node.children ?? []) {
    structText(child, marked, out);
  }
  return out;
}

async function pageText(page) {
  const items = (await page.getTextContent()).items.map((item) => item.str + (item.hasEOL ? "\n" : ""));
  const content = await page.getTextContent({ includeMarkedContent: true });
  const marked = new Map();
  const open = [];
  for (const item of content.items) {
    if (item.type === "beginMarkedContentProps" || item.type === "beginMarkedContent") {
      open.push(item.id ?? null);
    } else if (item.type === "endMarkedContent") {
      open.pop();
    } else if (item.str !== undefined) {
      const id = open.findLast((name) => name !== null);
      if (id !== undefined) {
        marked.set(id, (marked.get(id) ?? "") + item.str + (item.hasEOL ? " " : ""));
      }
    }
  }
  const tree = await page.getStructTree();
  return { items, tagged: tree ? structText(tree, marked, []) : [] };
}

const data = new Uint8Array(await readFile(process.argv[2]));
const pdf = await getDocument({ data, verbosity: 0, useSystemFonts: false }).promise;
const pages = [];
for (let number = 1; number <= pdf.numPages; number++) {
  pages.push(await pageText(await pdf.getPage(number)));
}
process.stdout.write(JSON.stringify(pages));
