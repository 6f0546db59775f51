// Why this exists: the one place that names GLPK's header, for secondary cell suppression and
// its audit (Sources/SluisOutput/LinearProgram.swift is the only Swift file that calls GLPK).
// GLPK ships no pkg-config file on Debian, so the module map links it by name.
#include <glpk.h>
