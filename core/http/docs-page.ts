/**
 * `GET /docs`: the OpenAPI document rendered as one self-contained HTML page (no scripts, no
 * CDN), grouped by tag, each operation with its parameters, body and responses.
 */
type Json = Record<string, unknown>;

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

const pretty = (value: unknown): string => `<pre>${escape(JSON.stringify(value, null, 2))}</pre>`;

export function renderDocsPage(document: Json): string {
  const info = document.info as { title: string; version: string; description?: string };
  const operations = Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
  const tags = [...new Set(operations.map(({ operation }) => (operation.tags as string[])[0]))];
  const sections = tags.map((tag) => {
    const items = operations.filter(({ operation }) => (operation.tags as string[])[0] === tag).map(({ path, method, operation }) => `
      <details id="${escape(String(operation.operationId))}">
        <summary><code class="method ${method}">${method.toUpperCase()}</code> <code>${escape(path)}</code> ${escape(String(operation.summary ?? ""))}</summary>
        <p>${authText(operation.security as Record<string, unknown>[])}</p>
        ${operation.parameters ? `<h4>Parameters</h4>${pretty(operation.parameters)}` : ""}
        ${operation.requestBody ? `<h4>Body</h4>${pretty((operation.requestBody as Json).content)}` : ""}
        <h4>Responses</h4>${pretty(operation.responses)}
      </details>`).join("");
    return `<section><h2>${escape(tag)}</h2>${items}</section>`;
  }).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(info.title)} — API</title>
<style>
body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
details{border:1px solid #ddd;border-radius:6px;margin:.5rem 0;padding:.5rem .75rem}
summary{cursor:pointer}pre{background:#f6f8fa;padding:.75rem;overflow:auto;font-size:.85rem}
.method{display:inline-block;min-width:4.5rem;font-weight:bold}.get{color:#0a7}.post{color:#06c}.patch,.put{color:#b70}.delete{color:#c22}
</style></head>
<body><h1>${escape(info.title)} <small>${escape(info.version)}</small></h1>
${info.description ? `<p>${escape(info.description)}</p>` : ""}
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escape(String(document.openapi))}).</p>
${sections}
</body></html>`;
}

function authText(security: Record<string, unknown>[]): string {
  if (security.length === 0) return "Public.";
  const ways = security.map((scheme) => ("apiKey" in scheme ? "<code>X-API-Key: &lt;key&gt;</code>" : "<code>Authorization: Bearer &lt;token&gt;</code>"));
  return `Requires ${ways.join(" or ")}.`;
}
