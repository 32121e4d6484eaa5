#!/usr/bin/env node
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { renderCrdFiles } from "./api/v1alpha1/crd-yaml.js";

const USAGE = `usage: digicert-access-operator <command> [options]

commands:
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

const commands: Record<string, (args: string[]) => Promise<void>> = { crds };

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(USAGE);
    return name === undefined || name === "help" || name === "--help" ? 0 : 2;
  }
  await command(rest);
  return 0;
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
