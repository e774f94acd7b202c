-- os.exit with a code: buffered output (with no final newline) is flushed first.
io.write("buffered")
io.stdout:setvbuf("full")
io.write(" and more")
os.exit(3)
print("not reached")
