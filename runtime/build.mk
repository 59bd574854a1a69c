# runtime/ is compiled into build/lib/libchanscope.a by the top Makefile
# (every runtime/*.c and tracer/*.c).  Nothing else to do here.
