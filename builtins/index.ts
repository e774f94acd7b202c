/** Imports every builtin; each registers itself with the plugin registry. */
import "./time.ts";
import "./env.ts";
import "./log.ts";
import "./assert.ts";
import "./async.ts";
import "./json.ts";
import "./base64.ts";
import "./shell.ts";
import "./process.ts";
import "./os.ts";
import "./fs.ts";
import "./disk.ts";
import "./regex.ts";
import "./markdown.ts";
import "./template.ts";
import "./crypto.ts";
