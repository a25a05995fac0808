// The fuzz targets, compiled once for every libFuzzer binary (fuzz_main.cpp).
#define DIVERT_FUZZ_API
#include "targets.hpp"
