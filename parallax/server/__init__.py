"""The long-lived front ends over parallax.service: `http` is the HTTP API and the web page
(FastAPI; the page's files are in `web/`), `mcp` the same use cases as Model Context Protocol
tools over stdio. Both hold one `parallax.service.Service` and convert its plain results
with parallax.render, as the CLI's `--json` does. `address` (where `serve` listens) and
`jsonrpc` (what a malformed MCP line deserves) are plain Python; nothing here imports
FastAPI, uvicorn or mcp until a server is built."""
