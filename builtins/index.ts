/** Imports every builtin; each registers itself with the plugin registry. */
import "./time.ts";
import "./env.ts";
import "./log.ts";
import "./assert.ts";
import "./async.ts";
import "./json.ts";
import "./base64.ts";
import "./yaml.ts";
import "./toml.ts";
