-- A script check from examples/checks.yaml: it passes when this chunk ends without an error,
-- and the error's text becomes the check's message otherwise.
local base = env.get("API_URL")
local resp = http.get(base .. "/version")
assert.eq(resp.status, 200, "GET /version")
local version = json.parse(resp.body)
assert.eq(version.build.channel, env.get("EXPECTED_CHANNEL"), "release channel")
assert.matches(version.build.version, "^%d+%.%d+%.%d+$", "semantic version")
log.info("api at version " .. version.build.version)
