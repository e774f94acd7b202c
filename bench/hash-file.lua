-- crypto.hash_file throughput: prints the SHA-256 of the file named by arg[1], which bench/run.sh
-- compares with `sha256sum` (both the digest and the time).
--   assay bench/hash-file.lua /tmp/assay-bench-100m.bin
local path = assert(arg[1], "usage: assay bench/hash-file.lua FILE")
print(crypto.hash_file(path, "sha256"))
