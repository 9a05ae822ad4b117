"""/api/v1/docs: the OpenAPI document rendered as one self-contained HTML page (no CDN, no JavaScript)."""
from __future__ import annotations

import json
from html import escape

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
.op{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.6rem 1rem}
.m{display:inline-block;min-width:3.5rem;font-weight:700;text-transform:uppercase}
.post{color:#1a7f37}.get{color:#0969da}code,pre{font:13px ui-monospace,monospace;background:#f6f8fa}
pre{padding:.6rem;overflow:auto;max-height:24rem}details{margin:.3rem 0}table{border-collapse:collapse}
td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left}
"""


def _pre(obj) -> str:
    return f"<pre>{escape(json.dumps(obj, indent=2, ensure_ascii=False))}</pre>"


def render_docs(spec: dict) -> tuple[str, int, dict]:
    info = spec["info"]
    out = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(info['title'])}</title>",
           f"<style>{_STYLE}</style></head><body>",
           f"<h1>{escape(info['title'])} <small>v{escape(info['version'])}</small></h1>",
           f"<p>{escape(info['description'])}</p>",
           "<p>Authenticate with an API key (<code>modsvc api-keys create NAME</code>) as "
           "<code>Authorization: Bearer KEY</code>, <code>X-API-Key: KEY</code> or <code>?key=KEY</code>. "
           "Machine-readable: <a href=\"openapi.json\">openapi.json</a>.</p>",
           "<h2>Endpoints</h2>"]
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            out.append(f"<div class=op><p><span class='m {method}'>{method}</span> <code>{escape(path)}</code> "
                       f"— {escape(op.get('summary', ''))}</p>")
            if op.get("description"):
                out.append(f"<p>{escape(op['description'])}</p>")
            if op.get("parameters"):
                out.append("<table><tr><th>parameter</th><th>in</th><th>required</th><th>about</th></tr>")
                for p in op["parameters"]:
                    out.append(f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
                               f"<td>{'yes' if p.get('required') else 'no'}</td>"
                               f"<td>{escape(p.get('description', ''))}</td></tr>")
                out.append("</table>")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                out.append("<details open><summary>Request body</summary>" + _pre(body) + "</details>")
            out.append("<details><summary>Responses</summary><table>")
            for code, resp in op["responses"].items():
                schema = resp.get("content", {}).get("application/json", {}).get("schema")
                out.append(f"<tr><td>{escape(code)}</td><td>{escape(resp['description'])}</td>"
                           f"<td>{_pre(schema) if schema else ''}</td></tr>")
            out.append("</table></details></div>")
    out.append("<h2>Schemas</h2>")
    for name, schema in spec["components"]["schemas"].items():
        out.append(f"<details id='{escape(name)}'><summary><code>{escape(name)}</code></summary>{_pre(schema)}"
                   "</details>")
    out.append("</body></html>")
    return "".join(out), 200, {"Content-Type": "text/html; charset=utf-8"}
