-- os.exit(false) exits with EXIT_FAILURE; io.write output is not lost.
io.write("partial")
os.exit(false)
