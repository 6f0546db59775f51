// Why this exists: the one place that names ReadStat's header. ReadStat ships no pkg-config
// file, so the module map links it by name (see shared/platform-notes.md).
#include <readstat.h>
