// Offline checks of rendered Kubernetes objects against the API schemas of the npm package
// kubernetes-models: its validators (types, required fields, enums) plus a walk over its type
// declarations (.d.ts) that rejects fields the API does not know — the validators accept them, the
// API server would drop them or (kubectl --validate=strict) refuse them.
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const modelsDir = path.dirname(require.resolve("kubernetes-models/package.json"));
const nodeModules = path.dirname(modelsDir);

const typeCache = new Map();

/** The properties of the first interface in a .d.ts file: name -> {kind, ref?, file?} */
function interfaceOf(file) {
  if (typeCache.has(file)) return typeCache.get(file);
  const text = readFileSync(file, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) imports.set(m[1], m[2]);
  const start = text.search(/^export interface \w+[^{]*\{$/m);
  let props = null;
  if (start >= 0) {
    props = new Map();
    const lines = text.slice(start).split("\n").slice(1);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line === "}") break;
      const m = /^ {4}"([^"]+)"\??: (.*)$/.exec(line);
      if (!m) continue;
      let type = m[2];
      if (type === "{") {                                  // a map: { [key: string]: X; }
        const inner = /\[key: string\]: (.*);/.exec(lines[i + 1] ?? "");
        type = inner ? `Map<${inner[1]}>` : "any";
        while (i < lines.length && lines[i] !== "    };") i++;
      } else {
        type = type.replace(/;$/, "");
      }
      props.set(m[1], describe(type, imports, file));
    }
  }
  typeCache.set(file, props);
  return props;
}

function resolveImport(spec, fromFile) {
  let p = spec.startsWith(".") ? path.resolve(path.dirname(fromFile), spec) : path.join(nodeModules, spec);
  p = p.replace(/\.js$/, "") + ".d.ts";
  return existsSync(p) ? p : null;
}

function describe(type, imports, fromFile) {
  let m;
  if ((m = /^Array<(\w+)>$/.exec(type))) return { kind: "array", item: describe(m[1], imports, fromFile) };
  if ((m = /^Map<(\w+)>$/.exec(type))) return { kind: "map", item: describe(m[1], imports, fromFile) };
  if (imports.has(type)) return { kind: "ref", file: resolveImport(imports.get(type), fromFile) };
  return { kind: "leaf" };
}

function walk(value, desc, at, errors) {
  if (value == null || desc == null) return;
  if (desc.kind === "array" && Array.isArray(value)) value.forEach((v, i) => walk(v, desc.item, `${at}[${i}]`, errors));
  else if (desc.kind === "map" && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, desc.item, `${at}.${k}`, errors);
  else if (desc.kind === "ref" && desc.file && typeof value === "object" && !Array.isArray(value)) {
    const props = interfaceOf(desc.file);
    if (!props) return;                                    // a type alias (Quantity, IntOrString, Time…)
    for (const [k, v] of Object.entries(value)) {
      if (!props.has(k)) errors.push(`${at ? at + "." : ""}${k}: unknown field`);
      else walk(v, props.get(k), `${at ? at + "." : ""}${k}`, errors);
    }
  }
}

/** Validates one built-in object; returns a list of error strings ([] when valid). */
export async function validateBuiltIn(obj) {
  const av = String(obj.apiVersion ?? "");
  let ns;
  try { ns = await import(`kubernetes-models/${av}`); } catch { return [`unknown apiVersion ${av}`]; }
  const Model = ns[obj.kind];
  if (!Model) return [`unknown kind ${obj.kind} in ${av}`];
  const errors = [];
  try { new Model(obj).validate(); } catch (e) { errors.push(String(e.message).trim()); }
  const file = path.join(modelsDir, av, `${obj.kind}.d.ts`);
  if (!existsSync(file)) return [...errors, `no type declarations for ${av} ${obj.kind}`];
  walk(obj, { kind: "ref", file }, "", errors);
  return errors;
}
