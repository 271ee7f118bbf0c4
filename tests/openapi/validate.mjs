// Validates an OpenAPI document with @apidevtools/swagger-parser: the OpenAPI 3.0 JSON Schema
// (every object, including each schema object) and every $ref resolved.
// Usage: node validate.mjs <openapi.json>. Prints one JSON line {"valid": bool, ...}; exit 0 only if valid.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
if (!file) {
  console.log(JSON.stringify({ valid: false, error: "usage: node validate.mjs <openapi.json>" }));
  process.exit(2);
}
try {
  const api = await SwaggerParser.validate(file);
  const operations = Object.values(api.paths ?? {})
    .flatMap(item => Object.keys(item).filter(k => ["get", "put", "post", "delete", "patch", "head", "options", "trace"].includes(k)));
  console.log(JSON.stringify({ valid: true, openapi: api.openapi, operations: operations.length }));
} catch (error) {
  console.log(JSON.stringify({ valid: false, error: String(error.message ?? error) }));
  process.exit(1);
}
