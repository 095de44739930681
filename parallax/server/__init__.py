"""`parallax serve` and `parallax mcp`: thin layers over the use cases. `service` opens the
index once and answers with the CLI's JSON objects; `api` is the HTTP API and the web page
(FastAPI); parallax.mcp_server offers the same service as MCP tools. Nothing here imports
FastAPI, uvicorn or mcp until a server is built."""
