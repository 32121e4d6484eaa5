import { parseArgs } from "node:util";
import { startSimulator } from "./server.js";

/**
 * `digicert-access-operator simulator [--port N] [--host H] [--seed N] [--certcentral-account-managed]`:
 * runs the simulator in the foreground until SIGINT/SIGTERM and prints where each plane lives.
 */
export async function runSimulatorCli(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string", default: "8089" },
      host: { type: "string", default: "127.0.0.1" },
      seed: { type: "string", default: "1" },
      "certcentral-account-managed": { type: "boolean", default: false },
    },
  });
  const running = await startSimulator({
    port: Number(values.port),
    host: values.host,
    seed: Number(values.seed),
    certcentral: { accountManaged: values["certcentral-account-managed"] },
  });
  const o = running.sim.options;
  process.stdout.write(
    [
      `DigiCert simulator listening on ${running.url}`,
      `  certcentral   ${running.urls.certcentral}   X-DC-DEVKEY: ${o.certcentral.apiKeys[0]}`,
      `  digicert-one  ${running.urls.digicertOne}   x-api-key: ${o.digicertOne.apiKeys[0]}`,
      `  dns           ${running.urls.dns}   API key: ${o.dns.apiKeys[0]}`,
      `  account-scim  ${running.urls.accountScim}   Bearer: ${o.accountScim.tokens[0]}`,
      `  admin         ${running.url}/_admin/state  /_admin/faults  /_admin/calls/counts`,
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await running.close();
}
