/** Imports every builtin; each registers itself with the plugin registry. */
import "./time.ts";
