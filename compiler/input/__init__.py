"""Reading analyses: the search path of module files, each file checked and turned into IR."""
