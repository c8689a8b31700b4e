// The TypeScript SDK client, with the header our generated configs send.
// MCP_URL=… AUTHORIZATION="Bearer …" node sdk_client.mjs -> one JSON line describing the run
// EXPECT=unauthorized …                                   -> succeeds only if the server refuses
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.env.MCP_URL);
const transport = new StreamableHTTPClientTransport(url, {
  requestInit: { headers: { Authorization: process.env.AUTHORIZATION } },
});
const client = new Client({ name: "indicate-interop-ts-sdk", version: "1.0.0" });
const report = { protocol: null, tools: [], calls: {} };

async function call(name, args, key = name) {
  const res = await client.callTool({ name, arguments: args });
  report.calls[key] = {
    isError: !!res.isError,
    structured: res.structuredContent ?? null,
    text: (res.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("\n"),
  };
  return res;
}

try {
  await client.connect(transport);
  if (process.env.EXPECT === "unauthorized") {
    console.log(JSON.stringify({ unexpected: "connected with a wrong token" }));
    process.exit(1);
  }
  report.protocol = transport.protocolVersion ?? null;
  report.server = client.getServerVersion();
  report.tools = (await client.listTools()).tools.map((t) => t.name);
  const tenants = await call("list_tenants", {});
  const tenant = JSON.stringify(tenants.structuredContent ?? {}).match(/spc_[0-9A-Za-z]{12}/)?.[0];
  const args = tenant ? { tenant_id: tenant } : {};
  await call("list_data_sources", args);
  const metrics = await call("list_metrics", args);
  const metric = JSON.stringify(metrics.structuredContent ?? {}).match(/"id":"([a-z0-9_]+)"/)?.[1];
  await call("query_metric", { ...args, metric_id: metric ?? "occupancy", granularity: "month" });
  await call("health_check", {});
  // A wrong argument must come back as a tool error the agent can act on, not a crash.
  await call("query_metric", { ...args, metric_id: "no_such_metric" }, "query_metric:unknown");
  await transport.terminateSession().catch(() => {});
  await client.close();
  console.log(JSON.stringify(report));
  process.exit(0);
} catch (err) {
  const message = String(err?.message ?? err);
  await client.close().catch(() => {});
  if (process.env.EXPECT === "unauthorized") {
    console.log(JSON.stringify({ refused: true, code: err?.code ?? null, message }));
    process.exit(/401/.test(message) || err?.code === 401 ? 0 : 1);
  }
  console.log(JSON.stringify({ failed: message, code: err?.code ?? null, report }));
  process.exit(1);
}
