import os, sys; sys.path.insert(0, os.path.dirname(os.path.realpath(__file__))); __import__("rseqdbg_gdb").install()
