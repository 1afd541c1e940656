"""MAP-Elites on the planar-arm repertoire: the core demo of the shared QD archive and run store."""
