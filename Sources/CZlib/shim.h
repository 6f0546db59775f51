// Why this exists: the one place that names zlib's header, for reading the compressed XML of
// XLSX files in `sluis output check` (Sources/SluisFormats/ZlibLibrary.swift is the only Swift
// file that calls zlib).
#include <zlib.h>
