#!/usr/bin/env node
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { renderCrdFiles } from "./api/v1alpha1/crd-yaml.js";

const USAGE = `usage: digicert-access-operator <command> [options]

commands:
  run [flags]        run the operator (see README "Configuration" for flags, variables and the config file)
  demo [--namespace NS] [--state-dir DIR]
                     start a local API server (or use KUBECONFIG with USE_EXISTING_CLUSTER=true),
                     install the CRDs, apply examples/, run until Ctrl-C
  simulator [--port N] [--host H] [--seed N] [--certcentral-account-managed]
                     run the DigiCert simulator alone (tests, benchmarks, trying the providers)
  crds [--out DIR]   print the CRDs as YAML, or write one file per kind into DIR
`;

async function crds(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { out: { type: "string" } } });
  const files = renderCrdFiles();
  if (!values.out) {
    process.stdout.write([...files.values()].join("---\n"));
    return;
  }
  await mkdir(values.out, { recursive: true });
  for (const [name, text] of files) await writeFile(join(values.out, name), text);
  process.stderr.write(`wrote ${files.size} CRDs to ${values.out}\n`);
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

async function demo(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { namespace: { type: "string", default: "digicert-demo" }, "state-dir": { type: "string" } },
  });
  const { startDemo } = await import("./demo/demo.js");
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log("starting the local control plane ...");
  const running = await startDemo({
    repoRoot,
    namespace: values.namespace,
    stateDir: resolve(values["state-dir"] ?? join(repoRoot, ".demo")),
    log,
  });
  const { connection } = running;
  log(`
The demo is running. In another terminal:

  export KUBECONFIG=${connection.kubeconfig}
  kubectl get digicert -n ${connection.namespace}
  kubectl get st,gm -n ${connection.namespace}
  curl -s ${connection.simulatorUrl}/_admin/state        # what DigiCert holds now


Connection details: ${resolve(values["state-dir"] ?? join(repoRoot, ".demo"), "connection.json")}
Press Ctrl-C to stop; every process the demo started is stopped with it.`);
  await new Promise<void>((done) => {
    const shutdown = () => {
      log("stopping ...");
      running.stop().then(done, (err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        done();
      });
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  });
}

async function simulator(args: string[]): Promise<void> {
  const { runSimulatorCli } = await import("./simulator/index.js");
  await runSimulatorCli(args);
}

async function run(args: string[]): Promise<void> {
  const { ConfigError, loadConfig } = await import("./config.js");
  let config;
  try {
    config = loadConfig(args, process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  const { startOperator } = await import("./main.js");
  const operator = await startOperator(config);
  const stop = () => void operator.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // A failure (lost Lease, failed runnable) ends the process non-zero so that it is restarted.
  await operator.done.catch(() => {
    process.exitCode = 1;
  });
}

const commands: Record<string, (args: string[]) => Promise<void>> = { crds, demo, run, simulator };

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(USAGE);
    return name === undefined || name === "help" || name === "--help" ? 0 : 2;
  }
  await command(rest);
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
